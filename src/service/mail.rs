//! Email through Cloudflare's `send_email` binding (`EMAIL`), from the address in `MAIL_FROM`. Both
//! are optional: without them the product sends no mail and says so (the widget offers no email
//! transcript). Under `wrangler dev` the binding is simulated and each mail is kept as an `.eml` file
//! (`make dev` prints the folder). What is sent: the transcript a visitor asks for (to an address the
//! site vouched for, else after a confirmation link), and the team's copy of a message left while
//! nobody was available. Each tenant may send `MAIL_DAILY_LIMIT` a day.

use serde_json::Value;
use worker::{EmailMessage, Env, SendEmail};

use crate::domain::email::Email;
use crate::domain::mime::Mail;
use crate::domain::transcript::{escape, Transcript};
use crate::domain::widget_texts::widget_text;
use crate::store::{StoreResult, TenantStore};

pub struct Mailer {
    binding: SendEmail,
    from: String,
}

/// One mail: a subject and the same words as text and HTML.
pub struct Outgoing<'a> {
    pub to: &'a str,
    pub reply_to: Option<&'a str>,
    pub sender_name: &'a str,
    pub subject: &'a str,
    pub text: String,
    pub html: String,
}

impl<'a> Outgoing<'a> {
    /// A transcript, with an optional line above it.
    pub fn transcript(to: &'a str, reply_to: Option<&'a str>, subject: &'a str, intro: Option<&str>, t: &'a Transcript<'a>, events: &[Value]) -> Outgoing<'a> {
        let text = match intro {
            Some(intro) => format!("{intro}\n\n{}", t.text(events)),
            None => t.text(events),
        };
        Outgoing { to, reply_to, sender_name: t.company, subject, text, html: t.html(events, intro) }
    }

    /// The confirmation asked before a transcript goes to an address the site did not vouch for:
    /// fixed words in the conversation's language and the link, nothing from the conversation.
    pub fn confirmation(to: &'a str, company: &'a str, locale: &str, link: &str, subject: &'a str) -> Outgoing<'a> {
        let (intro, action, ignore) = (widget_text(locale, "confirmIntro", company), widget_text(locale, "confirmAction", ""), widget_text(locale, "confirmIgnore", ""));
        let text = format!("{intro}\n\n{action}\n{link}\n\n{ignore}\n");
        let html = format!(
            "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body style=\"font:15px/1.5 system-ui,sans-serif;color:#111\">\n<p dir=\"auto\">{}</p>\n<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;border-radius:6px;text-decoration:none\">{}</a></p>\n<p dir=\"auto\" style=\"color:#6b7280\">{}</p>\n</body></html>\n",
            escape(locale),
            escape(&intro),
            escape(link),
            escape(&action),
            escape(&ignore)
        );
        Outgoing { to, reply_to: None, sender_name: company, subject, text, html }
    }
}

/// Emails a tenant may send a day (`MAIL_DAILY_LIMIT`, by default this many).
pub const DEFAULT_DAILY_LIMIT: i64 = 200;

impl Mailer {
    pub fn from_env(env: &Env) -> Option<Mailer> {
        let from = env.var("MAIL_FROM").ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty())?;
        let from = match Email::parse(&from) {
            Ok(e) => e.as_str().to_string(),
            Err(e) => {
                worker::console_error!("MAIL_FROM {e}: email is off");
                return None;
            }
        };
        let binding = env.send_email("EMAIL").ok()?;
        Some(Mailer { binding, from })
    }

    /// Takes `count` emails from the tenant's allowance for today (UTC); `false` when that would go
    /// past `MAIL_DAILY_LIMIT` (the attempt still counts: a flood stays refused).
    pub async fn reserve(env: &Env, tenant: &TenantStore<'_>, now: i64, count: i64) -> StoreResult<bool> {
        let limit = env.var("MAIL_DAILY_LIMIT").ok().and_then(|v| v.to_string().parse::<i64>().ok()).filter(|l| *l >= 0).unwrap_or(DEFAULT_DAILY_LIMIT);
        Ok(tenant.count_mail(now.div_euclid(86_400_000), count).await? <= limit)
    }

    pub async fn send(&self, mail: &Outgoing<'_>) -> Result<(), String> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let raw = Mail {
            from: &self.from,
            from_name: mail.sender_name,
            to: mail.to,
            reply_to: mail.reply_to,
            subject: mail.subject,
            text: &mail.text,
            html: &mail.html,
            id: &id,
            date_ms: worker::Date::now().as_millis() as i64,
        }
        .raw();
        let message = EmailMessage::new(&self.from, mail.to, &raw).map_err(|e| format!("{:?}", e.message()))?;
        self.binding.send(&message).await.map(|_| ()).map_err(|e| format!("{:?}", e.message()))
    }
}

/// The subject and first line of the team's copy of a message left while nobody was available.
pub fn offline_words(locale: &str, visitor: &str) -> (String, String) {
    (widget_text(locale, "offlineSubject", visitor), widget_text(locale, "offlineIntro", visitor))
}
