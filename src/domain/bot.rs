//! The bot's menu flow and texts. A flow is a welcome message and a graph of nodes; each node has a
//! text and choices leading to another node, to a person (optionally a department), to a link, or to
//! "ask a question". Texts are per locale (the tenant's default locale is required). Validation gives
//! the exact path of what is wrong; `follow` checks a visitor's menu path against the flow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::DomainError;

pub const LOCALES: [&str; 4] = ["en", "ja", "ko", "zh"];
pub const MAX_NODES: usize = 50;
pub const MAX_CHOICES: usize = 10;
pub const TEXT_MAX: usize = 1000;
pub const LABEL_MAX: usize = 60;

pub type Localized = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    Node { node: String },
    Handoff {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department_id: Option<String>,
    },
    Url { url: String },
    Ask,
    /// Answers an FAQ entry directly (a quick reply).
    Faq { faq_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub label: Localized,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: String,
    pub text: Localized,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Whether the bot answers free-text messages (FAQ or fallback). Off: the menu still shows and
    /// visitors reach a person through it, but the bot never writes on its own.
    #[serde(default = "yes")]
    pub auto_reply: bool,
    /// Whether visitors may type while the bot has the conversation. Off: a choice-only flow (the
    /// widget shows no text box until a person takes over).
    #[serde(default = "yes")]
    pub free_text: bool,
    /// How long the bot shows "typing" before its replies, in ms (0–3000).
    #[serde(default = "typing_default")]
    pub typing_ms: u32,
    /// FAQ entries the widget suggests under the welcome (at most `MAX_SUGGESTIONS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    pub default_locale: String,
    pub welcome: Localized,
    pub root: String,
    pub nodes: Vec<Node>,
}

/// One step of a visitor's way through the menu, as recorded at the start of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub node: String,
    pub choice: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuPath {
    pub steps: Vec<Step>,
    /// How the path ends: `Ask` (free text) or `Handoff`.
    pub end: Action,
}

fn yes() -> bool {
    true
}

fn typing_default() -> u32 {
    DEFAULT_TYPING_MS
}

pub const DEFAULT_TYPING_MS: u32 = 600;
pub const MAX_TYPING_MS: u32 = 3000;
pub const MAX_SUGGESTIONS: usize = 6;

fn invalid(field: String, message: impl Into<String>) -> DomainError {
    DomainError::invalid(field, message)
}

fn check_id(id: &str, field: String) -> Result<(), DomainError> {
    let ok = !id.is_empty() && id.len() <= 40 && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(field, "must be 1 to 40 of a-z, 0-9, '-' or '_'"))
    }
}

fn check_text(text: &Localized, field: String, default_locale: &str, max: usize) -> Result<(), DomainError> {
    for (locale, value) in text {
        if !LOCALES.contains(&locale.as_str()) {
            return Err(invalid(format!("{field}.{locale}"), format!("is not a supported locale ({})", LOCALES.join(", "))));
        }
        if value.trim().is_empty() {
            return Err(invalid(format!("{field}.{locale}"), "must not be empty"));
        }
        if value.chars().count() > max {
            return Err(invalid(format!("{field}.{locale}"), format!("must be at most {max} characters")));
        }
    }
    if !text.contains_key(default_locale) {
        return Err(invalid(field, format!("needs a text in the default locale {default_locale:?}")));
    }
    Ok(())
}

/// The text for a locale, else the default locale's.
pub fn pick<'a>(text: &'a Localized, locale: &str, default_locale: &str) -> &'a str {
    text.get(locale).or_else(|| text.get(default_locale)).map(String::as_str).unwrap_or("")
}

/// The supported locale that best fits an Accept-Language-like tag (`ja-JP` → `ja`).
pub fn locale_for(tag: Option<&str>, default_locale: &str) -> String {
    let primary = tag.unwrap_or("").split([',', ';', '-', '_']).next().unwrap_or("").trim().to_ascii_lowercase();
    if LOCALES.contains(&primary.as_str()) {
        primary
    } else {
        default_locale.to_string()
    }
}

impl Flow {
    fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        if !LOCALES.contains(&self.default_locale.as_str()) {
            return Err(invalid("bot.default_locale".into(), format!("must be one of {}", LOCALES.join(", "))));
        }
        check_text(&self.welcome, "bot.welcome".into(), &self.default_locale, TEXT_MAX)?;
        if self.typing_ms > MAX_TYPING_MS {
            return Err(invalid("bot.typing_ms".into(), format!("must be 0 to {MAX_TYPING_MS}")));
        }
        if self.suggestions.len() > MAX_SUGGESTIONS {
            return Err(invalid("bot.suggestions".into(), format!("at most {MAX_SUGGESTIONS} questions")));
        }
        if self.nodes.is_empty() || self.nodes.len() > MAX_NODES {
            return Err(invalid("bot.nodes".into(), format!("needs 1 to {MAX_NODES} nodes")));
        }
        let mut ids: Vec<&str> = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            check_id(&node.id, format!("bot.nodes[{i}].id"))?;
            if ids.contains(&node.id.as_str()) {
                return Err(invalid(format!("bot.nodes[{i}].id"), format!("{:?} is used by another node", node.id)));
            }
            ids.push(&node.id);
        }
        if self.node(&self.root).is_none() {
            return Err(invalid("bot.root".into(), format!("{:?} is not a node of the flow", self.root)));
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let at = format!("bot.nodes[{i}]");
            check_text(&node.text, format!("{at}.text"), &self.default_locale, TEXT_MAX)?;
            if node.choices.is_empty() || node.choices.len() > MAX_CHOICES {
                return Err(invalid(format!("{at}.choices"), format!("needs 1 to {MAX_CHOICES} choices")));
            }
            let mut choice_ids: Vec<&str> = Vec::new();
            for (j, choice) in node.choices.iter().enumerate() {
                let at = format!("{at}.choices[{j}]");
                check_id(&choice.id, format!("{at}.id"))?;
                if choice_ids.contains(&choice.id.as_str()) {
                    return Err(invalid(format!("{at}.id"), format!("{:?} is used by another choice of this node", choice.id)));
                }
                choice_ids.push(&choice.id);
                check_text(&choice.label, format!("{at}.label"), &self.default_locale, LABEL_MAX)?;
                match &choice.action {
                    Action::Node { node: target } if self.node(target).is_none() => {
                        return Err(invalid(format!("{at}.action.node"), format!("refers to {target:?}, which is not a node of the flow")));
                    }
                    Action::Url { url } if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 || url.contains(char::is_whitespace) => {
                        return Err(invalid(format!("{at}.action.url"), "must be an http(s) link"));
                    }
                    _ => {}
                }
            }
        }
        // Every node must be reachable from the root, and from every node an exit must be reachable:
        // loops are fine ("back" links) as long as the visitor can always get out.
        let mut reachable: Vec<&str> = vec![self.root.as_str()];
        let mut stack = vec![self.root.as_str()];
        while let Some(id) = stack.pop() {
            for choice in self.node(id).map(|n| n.choices.as_slice()).unwrap_or(&[]) {
                if let Action::Node { node } = &choice.action {
                    if !reachable.contains(&node.as_str()) {
                        reachable.push(node.as_str());
                        stack.push(node.as_str());
                    }
                }
            }
        }
        let mut exits: Vec<&str> = self.nodes.iter().filter(|n| n.choices.iter().any(|c| !matches!(c.action, Action::Node { .. }))).map(|n| n.id.as_str()).collect();
        loop {
            let before = exits.len();
            for n in &self.nodes {
                if !exits.contains(&n.id.as_str()) && n.choices.iter().any(|c| matches!(&c.action, Action::Node { node } if exits.contains(&node.as_str()))) {
                    exits.push(n.id.as_str());
                }
            }
            if exits.len() == before {
                break;
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if !reachable.contains(&node.id.as_str()) {
                return Err(invalid(format!("bot.nodes[{i}]"), format!("{:?} cannot be reached from the root", node.id)));
            }
            if !exits.contains(&node.id.as_str()) {
                return Err(invalid(format!("bot.nodes[{i}]"), format!("from {:?} no choice ever leads out (to a person, a question or a link): the menu would loop forever", node.id)));
            }
        }
        Ok(())
    }

    /// Checks a visitor's path (choice ids from the root) and returns its steps and how it ends.
    /// Only paths that end in "ask a question" or "talk to a person" start a conversation.
    /// Every FAQ entry the flow refers to (quick replies and suggestions), with where.
    pub fn faq_refs(&self) -> Vec<(String, &str)> {
        let mut refs: Vec<(String, &str)> = self.suggestions.iter().enumerate().map(|(i, id)| (format!("bot.suggestions[{i}]"), id.as_str())).collect();
        for (i, node) in self.nodes.iter().enumerate() {
            for (j, choice) in node.choices.iter().enumerate() {
                if let Action::Faq { faq_id } = &choice.action {
                    refs.push((format!("bot.nodes[{i}].choices[{j}].action.faq_id"), faq_id.as_str()));
                }
            }
        }
        refs
    }

    pub fn follow(&self, path: &[String], locale: &str) -> Result<MenuPath, DomainError> {
        if path.is_empty() || path.len() > 20 {
            return Err(DomainError::invalid("menu_path", "must list 1 to 20 choices"));
        }
        let mut node = self.node(&self.root).ok_or_else(|| DomainError::invalid("menu_path", "the flow has no root"))?;
        let mut steps = Vec::new();
        for (i, choice_id) in path.iter().enumerate() {
            let choice = node
                .choices
                .iter()
                .find(|c| &c.id == choice_id)
                .ok_or_else(|| DomainError::invalid(format!("menu_path[{i}]"), format!("{choice_id:?} is not a choice of node {:?}", node.id)))?;
            steps.push(Step { node: node.id.clone(), choice: choice.id.clone(), label: pick(&choice.label, locale, &self.default_locale).to_string() });
            let last = i + 1 == path.len();
            match (&choice.action, last) {
                (Action::Node { node: next }, false) => node = self.node(next).ok_or_else(|| DomainError::invalid(format!("menu_path[{i}]"), "leads nowhere"))?,
                (Action::Ask | Action::Handoff { .. }, true) => return Ok(MenuPath { steps, end: choice.action.clone() }),
                _ => return Err(DomainError::invalid(format!("menu_path[{i}]"), "a path goes through nodes and ends with asking a question or talking to a person")),
            }
        }
        Err(DomainError::invalid("menu_path", "the path does not end with asking a question or talking to a person"))
    }
}

fn texts(en: &str, ja: &str, ko: &str, zh: &str) -> Localized {
    [("en", en), ("ja", ja), ("ko", ko), ("zh", zh)].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn choice(id: &str, label: Localized, action: Action) -> Choice {
    Choice { id: id.into(), label, action }
}

/// The flow every new tenant starts with.
pub fn default_flow() -> Flow {
    let ask = || texts("Ask a question", "質問する", "질문하기", "提问");
    let person = || texts("Talk to a person", "担当者と話す", "상담원 연결", "联系人工客服");
    Flow {
        auto_reply: true,
        free_text: true,
        typing_ms: DEFAULT_TYPING_MS,
        suggestions: Vec::new(),
        default_locale: "en".into(),
        welcome: texts("Hi! How can we help you today?", "こんにちは！ご用件をお選びください。", "안녕하세요! 무엇을 도와드릴까요?", "您好！请问有什么可以帮您？"),
        root: "start".into(),
        nodes: vec![
            Node {
                id: "start".into(),
                text: texts("Choose a topic, or ask us anything.", "トピックを選ぶか、自由に質問してください。", "주제를 고르거나 무엇이든 물어보세요.", "请选择主题，或直接提问。"),
                choices: vec![
                    choice("ask", ask(), Action::Ask),
                    choice("orders", texts("Orders & shipping", "注文・配送", "주문·배송", "订单与配送"), Action::Node { node: "orders".into() }),
                    choice("person", person(), Action::Handoff { department_id: None }),
                ],
            },
            Node {
                id: "orders".into(),
                text: texts("What about your order?", "ご注文について、どのようなご用件ですか？", "주문 관련 어떤 도움이 필요하신가요?", "关于订单，您需要什么帮助？"),
                choices: vec![
                    choice("track", texts("Where is my order?", "注文はどこですか？", "주문이 어디쯤 있나요?", "我的订单到哪了？"), Action::Ask),
                    choice("returns", texts("Returns & refunds", "返品・返金", "반품·환불", "退货与退款"), Action::Ask),
                    choice("back", texts("Back", "戻る", "뒤로", "返回"), Action::Node { node: "start".into() }),
                    choice("person", person(), Action::Handoff { department_id: None }),
                ],
            },
        ],
    }
}

/// The bot's own sentences, per locale.
pub struct BotTexts {
    pub fallback: &'static str,
    pub talk_to_person: &'static str,
    pub offline: &'static str,
    pub no_operator: &'static str,
    pub email_thanks: &'static str,
    pub faq_intro: &'static str,
}

pub fn bot_texts(locale: &str) -> BotTexts {
    match locale {
        "ja" => BotTexts {
            fallback: "申し訳ありません、その質問にはお答えできません。担当者におつなぎしましょうか？",
            talk_to_person: "担当者と話す",
            offline: "ただいま営業時間外です。メールアドレスを残していただければ、担当者からご連絡します。",
            no_operator: "ただいま対応できる担当者がいません。メールアドレスを残していただければ、折り返しご連絡します。",
            email_thanks: "ありがとうございます。担当者から {email} にご連絡します。",
            faq_intro: "こちらが参考になるかもしれません：",
        },
        "ko" => BotTexts {
            fallback: "죄송합니다. 그 질문에는 답을 드리기 어렵습니다. 상담원을 연결해 드릴까요?",
            talk_to_person: "상담원 연결",
            offline: "지금은 운영 시간이 아닙니다. 이메일 주소를 남겨 주시면 상담원이 연락드리겠습니다.",
            no_operator: "지금은 상담 가능한 상담원이 없습니다. 이메일 주소를 남겨 주시면 연락드리겠습니다.",
            email_thanks: "감사합니다. 상담원이 {email}(으)로 연락드리겠습니다.",
            faq_intro: "이 답변이 도움이 될 수 있습니다:",
        },
        "zh" => BotTexts {
            fallback: "抱歉，我暂时无法回答这个问题。需要为您转接人工客服吗？",
            talk_to_person: "联系人工客服",
            offline: "现在是非工作时间。请留下您的邮箱，客服会尽快联系您。",
            no_operator: "目前没有可用的客服。请留下您的邮箱，我们会尽快回复您。",
            email_thanks: "谢谢！客服会通过 {email} 联系您。",
            faq_intro: "这个答案也许能帮到您：",
        },
        _ => BotTexts {
            fallback: "Sorry, I don't know the answer to that. Would you like to talk to a person?",
            talk_to_person: "Talk to a person",
            offline: "We're away right now. Leave your email address and a person will get back to you.",
            no_operator: "Nobody is available right now. Leave your email address and we'll get back to you.",
            email_thanks: "Thanks! We'll reply to {email}.",
            faq_intro: "This might help:",
        },
    }
}

#[cfg(test)]
mod tests;
