//! Pure rules of the product: parsers that turn untrusted input into typed values, permission rules,
//! token claims and HMAC. No `worker` imports, so all of it is tested natively with `cargo test`.

pub mod bot;
pub mod category;
pub mod conversation;
pub mod csv;
pub mod email;
pub mod encoding;
pub mod faq;
pub mod error;
pub mod hmac;
pub mod hours;
pub mod ids;
pub mod keys;
pub mod mail_link;
pub mod message;
pub mod mime;
pub mod origin;
pub mod page;
pub mod pace;
pub mod password;
pub mod rate;
pub mod rating;
pub mod summary;
pub mod role;
pub mod routing;
pub mod target;
pub mod text;
pub mod token;
pub mod transcript;
pub mod tz;
pub mod upload;
pub mod vecmap;
#[rustfmt::skip]
pub mod tz_data;
pub mod widget;
pub mod widget_texts;

pub use error::DomainError;
