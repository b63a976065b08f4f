//! The platform's cryptography: random bytes from the runtime's CSPRNG and PBKDF2-SHA256 through
//! SubtleCrypto (native code in workerd, far faster than PBKDF2 in wasm). Pure HMAC is in `domain::hmac`.

use worker::js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

use crate::domain::password::{PasswordHash, HASH_BYTES, ITERATIONS, SALT_BYTES};

#[derive(Debug)]
pub struct CryptoError(pub String);

impl From<JsValue> for CryptoError {
    fn from(v: JsValue) -> Self {
        CryptoError(v.as_string().unwrap_or_else(|| format!("{v:?}")))
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| CryptoError(e.to_string()))?;
    Ok(buf)
}

pub fn new_uuid() -> Result<uuid::Uuid, CryptoError> {
    Ok(uuid::Builder::from_random_bytes(random_bytes::<16>()?).into_uuid())
}

fn method(target: &JsValue, name: &str) -> Result<Function, CryptoError> {
    Reflect::get(target, &JsValue::from_str(name))?
        .dyn_into::<Function>()
        .map_err(|_| CryptoError(format!("crypto.subtle.{name} is not a function")))
}

async fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, CryptoError> {
    let array = Array::new();
    for a in args {
        array.push(a);
    }
    let promise: Promise = method(target, name)?.apply(target, &array)?.dyn_into()?;
    Ok(JsFuture::from(promise).await?)
}

pub async fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> Result<Vec<u8>, CryptoError> {
    let crypto = Reflect::get(&worker::js_sys::global(), &JsValue::from_str("crypto"))?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle"))?;
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key = call(
        &subtle,
        "importKey",
        &[JsValue::from_str("raw"), Uint8Array::from(password).into(), JsValue::from_str("PBKDF2"), JsValue::FALSE, usages.into()],
    )
    .await?;
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"PBKDF2".into())?;
    Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
    Reflect::set(&params, &"salt".into(), &Uint8Array::from(salt).into())?;
    Reflect::set(&params, &"iterations".into(), &JsValue::from_f64(f64::from(iterations)))?;
    let bits = call(&subtle, "deriveBits", &[params.into(), key, JsValue::from_f64((HASH_BYTES * 8) as f64)]).await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// Hashes a new password with a fresh salt and today's parameters.
pub async fn hash_password(password: &[u8]) -> Result<PasswordHash, CryptoError> {
    let salt = random_bytes::<SALT_BYTES>()?.to_vec();
    let hash = pbkdf2_sha256(password, &salt, ITERATIONS).await?;
    Ok(PasswordHash { iterations: ITERATIONS, salt, hash })
}

/// Whether `password` matches the stored hash string (a damaged hash never matches).
pub async fn verify_password(password: &[u8], stored: &str) -> Result<bool, CryptoError> {
    match PasswordHash::parse(stored) {
        Some(h) => Ok(h.matches(&pbkdf2_sha256(password, &h.salt, h.iterations).await?)),
        None => Ok(false),
    }
}
