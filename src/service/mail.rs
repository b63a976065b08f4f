//! Email through Cloudflare's `send_email` binding (`EMAIL`), from the address in `MAIL_FROM`. Both
//! are optional: without them the product sends no mail and says so (the widget offers no email
//! transcript). Under `wrangler dev` the binding is simulated and each mail is kept as an `.eml` file
//! (`make dev` prints the folder). What is sent: the transcript a visitor asks for, and the team's
//! copy of a message left while nobody was available.

use serde_json::Value;
use worker::{Env, EmailMessage, SendEmail};

use crate::domain::email::Email;
use crate::domain::mime::Mail;
use crate::domain::transcript::Transcript;
use crate::domain::widget_texts::widget_text;

pub struct Mailer {
    binding: SendEmail,
    from: String,
}

/// What goes out: a transcript, with an optional line above it.
pub struct Outgoing<'a> {
    pub to: &'a str,
    pub reply_to: Option<&'a str>,
    pub subject: &'a str,
    pub intro: Option<&'a str>,
    pub transcript: &'a Transcript<'a>,
    pub events: &'a [Value],
}

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

    pub async fn send(&self, mail: &Outgoing<'_>) -> Result<(), String> {
        let t = mail.transcript;
        let mut text = t.text(mail.events);
        if let Some(intro) = mail.intro {
            text = format!("{intro}\n\n{text}");
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let raw = Mail {
            from: &self.from,
            from_name: t.company,
            to: mail.to,
            reply_to: mail.reply_to,
            subject: mail.subject,
            text: &text,
            html: &t.html(mail.events, mail.intro),
            id: &id,
            date_ms: worker::Date::now().as_millis() as i64,
        }
        .raw();
        let message = EmailMessage::new(&self.from, mail.to, &raw).map_err(|e| format!("{e:?}"))?;
        self.binding.send(&message).await.map(|_| ()).map_err(|e| format!("{:?}", e.message()))
    }
}

/// The subject and first line of the team's copy of a message left while nobody was available.
pub fn offline_words(locale: &str, visitor: &str) -> (String, String) {
    (widget_text(locale, "offlineSubject", visitor), widget_text(locale, "offlineIntro", visitor))
}
