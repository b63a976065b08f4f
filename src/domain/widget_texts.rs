//! The widget's own words in each language it speaks (system events, bot notices, labels), sent with its
//! configuration (`texts` in `GET /api/widget/config`) so the script stays within its size budget. The
//! widget keeps a few English words for before the configuration arrives; everything else comes from
//! here, in the conversation's language. `{n}` is filled in by the widget.

use serde_json::{Map, Value};

type Table = &'static [(&'static str, &'static str)];
const EN: Table = &[
    ("greeting", "Hi! How can we help?"),
    ("title", "Chat with us"),
    ("placeholder", "Type a message…"),
    ("send", "Send"),
    ("person", "Talk to a person"),
    ("reconnecting", "Reconnecting…"),
    ("typing", "is typing…"),
    ("seen", "Seen"),
    ("queue", "You are number {n} in the queue"),
    ("offline", "We're offline"),
    ("email", "Your email"),
    ("past", "Past conversations"),
    ("fresh", "New conversation"),
    ("close", "Close chat"),
    ("attach", "Attach a file"),
    ("joined", "{n} joined the conversation"),
    ("uploading", "Uploading {n}%"),
    ("waiting", "Waiting for an operator…"),
    ("transferred", "Transferred to {n}"),
    ("closed", "The conversation was closed"),
    ("reopened", "The conversation was reopened"),
    ("released", "Your operator went offline; waiting for the next one"),
    ("continued", "Continues an earlier conversation"),
    ("noOperator", "Nobody can answer right now. Leave your email and we will reply."),
    ("away", "We're away right now (back {n}). Leave your email and we will reply."),
    ("awayNoTime", "We're away right now. Leave your email and we will reply."),
    ("startNew", "Start a new conversation"),
    ("loading", "Loading…"),
    ("failed", "The chat could not be loaded."),
    ("retry", "Try again"),
    ("error", "Something went wrong: {n}"),
    ("colleague", "a colleague"),
    ("end", "End conversation"),
    ("endAsk", "End this conversation?"),
    ("cancel", "Cancel"),
    ("rateAsk", "How did we do?"),
    ("star", "{n} of 5"),
    ("comment", "Anything to add? (optional)"),
    ("rated", "Thanks for your rating!"),
    ("transcript", "Download transcript"),
    ("you", "You"),
    ("prechat", "Before we start, how can we reach you?"),
    ("name", "Your name"),
    ("optional", "{n} (optional)"),
    ("next", "Continue"),
    ("whichTeam", "Which team would you like to talk to?"),
    ("emailMe", "Email me the transcript"),
    ("emailSent", "Transcript sent to {n}"),
    ("textFile", "Text file"),
    ("printable", "Printable page"),
    ("transcriptOf", "Conversation with {n}"),
    ("timesIn", "Times are in {n}"),
    ("offlineSubject", "Message left by {n}"),
    ("offlineIntro", "{n} left a message while nobody was available. Reply to this email to answer them."),
    ("idleClosed", "This conversation was closed after a while without activity"),
];

const JA: Table = &[
    ("greeting", "こんにちは！何かお手伝いできることはありますか？"),
    ("title", "チャット"),
    ("placeholder", "メッセージを入力…"),
    ("send", "送信"),
    ("person", "担当者と話す"),
    ("reconnecting", "再接続中…"),
    ("typing", "が入力中…"),
    ("seen", "既読"),
    ("queue", "順番待ち：{n}番目"),
    ("offline", "ただいま営業時間外です"),
    ("email", "メールアドレス"),
    ("past", "過去の会話"),
    ("fresh", "新しい会話"),
    ("close", "閉じる"),
    ("attach", "ファイルを添付"),
    ("joined", "{n}が参加しました"),
    ("uploading", "アップロード中 {n}%"),
    ("waiting", "担当者をお待ちください…"),
    ("transferred", "{n}に引き継ぎました"),
    ("closed", "会話は終了しました"),
    ("reopened", "会話が再開されました"),
    ("released", "担当者がオフラインになりました。次の担当者をお待ちください"),
    ("continued", "以前の会話の続きです"),
    ("noOperator", "ただいま対応できる担当者がいません。メールアドレスを残していただければ返信します。"),
    ("away", "ただいま営業時間外です（再開：{n}）。メールアドレスを残していただければ返信します。"),
    ("awayNoTime", "ただいま営業時間外です。メールアドレスを残していただければ返信します。"),
    ("startNew", "新しい会話を始める"),
    ("loading", "読み込み中…"),
    ("failed", "チャットを読み込めませんでした。"),
    ("retry", "再試行"),
    ("error", "エラーが発生しました：{n}"),
    ("colleague", "別の担当者"),
    ("end", "会話を終了"),
    ("endAsk", "この会話を終了しますか？"),
    ("cancel", "キャンセル"),
    ("rateAsk", "今回の対応はいかがでしたか？"),
    ("star", "5段階中 {n}"),
    ("comment", "ご意見・ご感想（任意）"),
    ("rated", "評価ありがとうございました！"),
    ("transcript", "会話履歴をダウンロード"),
    ("you", "あなた"),
    ("prechat", "はじめに、お名前と連絡先を教えてください。"),
    ("name", "お名前"),
    ("optional", "{n}（任意）"),
    ("next", "次へ"),
    ("whichTeam", "どの窓口におつなぎしますか？"),
    ("emailMe", "会話履歴をメールで受け取る"),
    ("emailSent", "{n} に会話履歴を送信しました"),
    ("textFile", "テキストファイル"),
    ("printable", "印刷用ページ"),
    ("transcriptOf", "{n} との会話"),
    ("timesIn", "時刻は {n} で表示しています"),
    ("offlineSubject", "{n} さんからのメッセージ"),
    ("offlineIntro", "{n} さんが、対応できる担当者がいない間にメッセージを残しました。このメールに返信すると回答できます。"),
    ("idleClosed", "しばらくやり取りがなかったため、会話を終了しました"),
];

const KO: Table = &[
    ("greeting", "안녕하세요! 무엇을 도와드릴까요?"),
    ("title", "채팅 상담"),
    ("placeholder", "메시지를 입력하세요…"),
    ("send", "보내기"),
    ("person", "상담원 연결"),
    ("reconnecting", "다시 연결 중…"),
    ("typing", "님이 입력 중…"),
    ("seen", "읽음"),
    ("queue", "대기 순서: {n}번째"),
    ("offline", "지금은 운영 시간이 아닙니다"),
    ("email", "이메일 주소"),
    ("past", "이전 대화"),
    ("fresh", "새 대화"),
    ("close", "닫기"),
    ("attach", "파일 첨부"),
    ("joined", "{n}님이 참여했습니다"),
    ("uploading", "업로드 중 {n}%"),
    ("waiting", "상담원을 기다리는 중…"),
    ("transferred", "{n}(으)로 전환되었습니다"),
    ("closed", "대화가 종료되었습니다"),
    ("reopened", "대화가 다시 시작되었습니다"),
    ("released", "상담원이 오프라인이 되었습니다. 다음 상담원을 기다리는 중입니다"),
    ("continued", "이전 대화에서 이어집니다"),
    ("noOperator", "지금은 답변할 수 있는 상담원이 없습니다. 이메일을 남겨 주시면 답장드리겠습니다."),
    ("away", "지금은 운영 시간이 아닙니다({n}에 재개). 이메일을 남겨 주시면 답장드리겠습니다."),
    ("awayNoTime", "지금은 운영 시간이 아닙니다. 이메일을 남겨 주시면 답장드리겠습니다."),
    ("startNew", "새 대화 시작"),
    ("loading", "불러오는 중…"),
    ("failed", "채팅을 불러오지 못했습니다."),
    ("retry", "다시 시도"),
    ("error", "문제가 발생했습니다: {n}"),
    ("colleague", "다른 상담원"),
    ("end", "대화 종료"),
    ("endAsk", "이 대화를 종료할까요?"),
    ("cancel", "취소"),
    ("rateAsk", "상담은 어떠셨나요?"),
    ("star", "5점 만점에 {n}점"),
    ("comment", "남기실 의견 (선택)"),
    ("rated", "평가해 주셔서 감사합니다!"),
    ("transcript", "대화 내용 다운로드"),
    ("you", "나"),
    ("prechat", "시작하기 전에 연락처를 알려 주세요."),
    ("name", "이름"),
    ("optional", "{n} (선택)"),
    ("next", "계속"),
    ("whichTeam", "어느 팀과 상담하시겠어요?"),
    ("emailMe", "대화 내용을 이메일로 받기"),
    ("emailSent", "{n}(으)로 대화 내용을 보냈습니다"),
    ("textFile", "텍스트 파일"),
    ("printable", "인쇄용 페이지"),
    ("transcriptOf", "{n}와(과)의 대화"),
    ("timesIn", "시간은 {n} 기준입니다"),
    ("offlineSubject", "{n}님이 남긴 메시지"),
    ("offlineIntro", "{n}님이 응대 가능한 상담원이 없는 동안 메시지를 남겼습니다. 이 메일에 회신하여 답변할 수 있습니다."),
    ("idleClosed", "한동안 활동이 없어 대화가 종료되었습니다"),
];

const ZH: Table = &[
    ("greeting", "您好！有什么可以帮您？"),
    ("title", "在线客服"),
    ("placeholder", "输入消息…"),
    ("send", "发送"),
    ("person", "联系人工客服"),
    ("reconnecting", "正在重新连接…"),
    ("typing", "正在输入…"),
    ("seen", "已读"),
    ("queue", "您前面还有 {n} 位"),
    ("offline", "现在是非工作时间"),
    ("email", "您的邮箱"),
    ("past", "历史会话"),
    ("fresh", "新会话"),
    ("close", "关闭"),
    ("attach", "上传文件"),
    ("joined", "{n} 已加入会话"),
    ("uploading", "上传中 {n}%"),
    ("waiting", "正在等待客服…"),
    ("transferred", "已转接至 {n}"),
    ("closed", "会话已结束"),
    ("reopened", "会话已重新开启"),
    ("released", "客服已离线，正在等待下一位客服"),
    ("continued", "接续之前的会话"),
    ("noOperator", "目前没有客服可以回复。请留下邮箱，我们会回复您。"),
    ("away", "现在是非工作时间（{n} 恢复）。请留下邮箱，我们会回复您。"),
    ("awayNoTime", "现在是非工作时间。请留下邮箱，我们会回复您。"),
    ("startNew", "开始新会话"),
    ("loading", "加载中…"),
    ("failed", "无法加载聊天。"),
    ("retry", "重试"),
    ("error", "出错了：{n}"),
    ("colleague", "其他客服"),
    ("end", "结束对话"),
    ("endAsk", "要结束本次对话吗？"),
    ("cancel", "取消"),
    ("rateAsk", "您对本次服务满意吗？"),
    ("star", "{n} 分（满分 5 分）"),
    ("comment", "补充意见（可选）"),
    ("rated", "感谢您的评价！"),
    ("transcript", "下载聊天记录"),
    ("you", "您"),
    ("prechat", "开始之前，请留下您的联系方式。"),
    ("name", "您的姓名"),
    ("optional", "{n}（可选）"),
    ("next", "继续"),
    ("whichTeam", "您想咨询哪个团队？"),
    ("emailMe", "通过邮件接收聊天记录"),
    ("emailSent", "聊天记录已发送至 {n}"),
    ("textFile", "文本文件"),
    ("printable", "打印版页面"),
    ("transcriptOf", "与 {n} 的对话"),
    ("timesIn", "时间以 {n} 显示"),
    ("offlineSubject", "{n} 的留言"),
    ("offlineIntro", "{n} 在无人接待时留下了消息。回复此邮件即可答复。"),
    ("idleClosed", "由于一段时间没有互动，会话已结束"),
];

/// The widget's texts for a locale (English for any other).
fn table(locale: &str) -> Table {
    match locale {
        "ja" => JA,
        "ko" => KO,
        "zh" => ZH,
        _ => EN,
    }
}

/// One of the words, in `locale` (English when the key is unknown there), `{n}` filled with `n`.
pub fn widget_text(locale: &str, key: &str, n: &str) -> String {
    let find = |t: Table| t.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    find(table(locale)).or_else(|| find(EN)).unwrap_or(key).replace("{n}", n)
}

pub fn widget_texts(locale: &str) -> Value {
    let table = table(locale);
    Value::Object(table.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect::<Map<String, Value>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key_and_keeps_its_placeholders() {
        for (name, table) in [("ja", JA), ("ko", KO), ("zh", ZH)] {
            let keys: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys, EN.iter().map(|(k, _)| *k).collect::<Vec<_>>(), "{name}");
            for ((key, en), (_, text)) in EN.iter().zip(table.iter()) {
                assert_eq!(en.contains("{n}"), text.contains("{n}"), "{name}.{key}");
                assert!(!text.is_empty(), "{name}.{key}");
            }
        }
        assert_eq!(widget_texts("ja")["closed"], "会話は終了しました");
        assert_eq!(widget_texts("fr")["closed"], "The conversation was closed");
    }
}
