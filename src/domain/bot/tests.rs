use super::*;

fn field_of(flow: &Flow) -> String {
    match flow.validate() {
        Err(DomainError::Invalid { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn the_default_flow_is_valid_in_every_locale() {
    let flow = default_flow();
    flow.validate().unwrap();
    for locale in LOCALES {
        assert!(!pick(&flow.welcome, locale, "en").is_empty());
        for node in &flow.nodes {
            assert!(node.text.contains_key(locale), "{locale} text for {}", node.id);
            assert!(node.choices.iter().all(|c| c.label.contains_key(locale)));
        }
    }
}

#[test]
fn each_validation_error_names_its_place() {
    let mut f = default_flow();
    f.default_locale = "fr".into();
    assert_eq!(field_of(&f), "bot.default_locale");

    let mut f = default_flow();
    f.welcome.remove("en");
    assert_eq!(field_of(&f), "bot.welcome");

    let mut f = default_flow();
    f.welcome.insert("xx".into(), "hi".into());
    assert_eq!(field_of(&f), "bot.welcome.xx");

    let mut f = default_flow();
    f.nodes.clear();
    assert_eq!(field_of(&f), "bot.nodes");

    let mut f = default_flow();
    f.nodes[1].id = "start".into();
    assert_eq!(field_of(&f), "bot.nodes[1].id", "duplicate node id");

    let mut f = default_flow();
    f.nodes[1].id = "Bad Id".into();
    assert_eq!(field_of(&f), "bot.nodes[1].id");

    let mut f = default_flow();
    f.root = "nowhere".into();
    assert_eq!(field_of(&f), "bot.root");

    let mut f = default_flow();
    f.nodes[0].text.insert("en".into(), "   ".into());
    assert_eq!(field_of(&f), "bot.nodes[0].text.en", "empty text");

    let mut f = default_flow();
    f.nodes[0].choices[0].label.insert("en".into(), "x".repeat(LABEL_MAX + 1));
    assert_eq!(field_of(&f), "bot.nodes[0].choices[0].label.en", "label too long");

    let mut f = default_flow();
    f.nodes[0].choices[1].action = Action::Node { node: "ghost".into() };
    assert_eq!(field_of(&f), "bot.nodes[0].choices[1].action.node", "dangling link");

    let mut f = default_flow();
    f.nodes[0].choices[2].action = Action::Url { url: "javascript:alert(1)".into() };
    assert_eq!(field_of(&f), "bot.nodes[0].choices[2].action.url");

    let mut f = default_flow();
    f.nodes[0].choices[1].id = "ask".into();
    assert_eq!(field_of(&f), "bot.nodes[0].choices[1].id", "duplicate choice id");

    let mut f = default_flow();
    f.nodes[0].choices = (0..=MAX_CHOICES).map(|i| Choice { id: format!("c{i}"), label: f.nodes[0].choices[0].label.clone(), action: Action::Ask }).collect();
    assert_eq!(field_of(&f), "bot.nodes[0].choices", "too many choices");

    let mut f = default_flow();
    f.nodes[0].choices.retain(|c| c.id != "orders");
    assert_eq!(field_of(&f), "bot.nodes[1]", "unreachable node");
}

#[test]
fn a_cycle_without_an_exit_is_refused_but_a_cycle_with_one_is_fine() {
    let mut f = default_flow();
    // orders → back → start is a loop, but both nodes have exits: valid.
    f.validate().unwrap();
    // Make "orders" lead only to a new node that leads only back to "orders": no way out from either.
    let label = f.nodes[0].choices[0].label.clone();
    f.nodes.push(Node { id: "trap".into(), text: f.nodes[1].text.clone(), choices: vec![Choice { id: "again".into(), label: label.clone(), action: Action::Node { node: "orders".into() } }] });
    f.nodes[1].choices = vec![Choice { id: "more".into(), label, action: Action::Node { node: "trap".into() } }];
    assert_eq!(field_of(&f), "bot.nodes[1]");
}

#[test]
fn menu_paths_are_followed_and_forged_ones_refused() {
    let f = default_flow();
    let path = f.follow(&["orders".into(), "track".into()], "ja").unwrap();
    assert_eq!(path.end, Action::Ask);
    assert_eq!(path.steps.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["注文・配送", "注文はどこですか？"]);
    assert_eq!(f.follow(&["person".into()], "en").unwrap().end, Action::Handoff { department_id: None });
    assert!(f.follow(&["orders".into(), "back".into(), "orders".into(), "person".into()], "en").is_ok(), "back links are fine");
    for forged in [vec!["track"], vec!["orders"], vec!["orders", "nope"], vec!["ask", "orders"], vec![]] {
        let path: Vec<String> = forged.iter().map(|s| s.to_string()).collect();
        assert!(f.follow(&path, "en").is_err(), "{forged:?}");
    }
}

#[test]
fn locales_fall_back_to_the_default() {
    assert_eq!(locale_for(Some("ja-JP,ja;q=0.9"), "en"), "ja");
    assert_eq!(locale_for(Some("zh-Hant-TW"), "en"), "zh");
    assert_eq!(locale_for(Some("de-DE"), "ko"), "ko");
    assert_eq!(locale_for(None, "en"), "en");
    let t: Localized = [("en".to_string(), "Hello".to_string())].into();
    assert_eq!(pick(&t, "ko", "en"), "Hello");
    assert!(bot_texts("ja").fallback.contains("担当者"));
    assert!(bot_texts("xx").fallback.starts_with("Sorry"));
}
