//! R2 access for attachment bytes, through the binding's JavaScript API directly (workers-rs's R2
//! wrapper carries metadata maps and builders the Worker does not need, at a real cost in wasm size).

use worker::js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

use super::{StoreError, StoreResult};

pub struct Uploads(JsValue);

/// A stored object on its way out: its body stream and its HTTP ETag.
pub struct Download {
    pub body: worker::web_sys::ReadableStream,
    pub etag: String,
}

fn err(e: JsValue) -> StoreError {
    StoreError::Db(format!("r2: {}", e.dyn_ref::<worker::js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))))
}

fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

impl Uploads {
    pub fn open(env: &Env) -> StoreResult<Uploads> {
        let bucket = get(env.as_ref(), "UPLOADS");
        if bucket.is_undefined() {
            return Err(StoreError::Db("the UPLOADS bucket is not bound".into()));
        }
        Ok(Uploads(bucket))
    }

    async fn call(&self, method: &str, args: &[JsValue]) -> StoreResult<JsValue> {
        let f: Function = get(&self.0, method).dyn_into().map_err(err)?;
        let list: Array = args.iter().collect();
        let promise: Promise = f.apply(&self.0, &list).map_err(err)?.dyn_into().map_err(err)?;
        JsFuture::from(promise).await.map_err(err)
    }

    pub async fn put(&self, key: &str, bytes: &[u8]) -> StoreResult<()> {
        self.call("put", &[JsValue::from_str(key), Uint8Array::from(bytes).into()]).await.map(|_| ())
    }

    pub async fn get(&self, key: &str) -> StoreResult<Option<Download>> {
        let object = self.call("get", &[JsValue::from_str(key)]).await?;
        if object.is_null() || object.is_undefined() {
            return Ok(None);
        }
        let body = get(&object, "body").dyn_into().map_err(err)?;
        Ok(Some(Download { body, etag: get(&object, "httpEtag").as_string().unwrap_or_default() }))
    }

    pub async fn delete(&self, keys: &[String]) -> StoreResult<()> {
        let list: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        self.call("delete", &[list.into()]).await.map(|_| ())
    }

    /// Up to `limit` keys under `prefix`.
    pub async fn keys(&self, prefix: &str, limit: u32) -> StoreResult<Vec<String>> {
        let options = Object::new();
        Reflect::set(&options, &"prefix".into(), &JsValue::from_str(prefix)).map_err(err)?;
        Reflect::set(&options, &"limit".into(), &JsValue::from(limit)).map_err(err)?;
        let listed = self.call("list", &[options.into()]).await?;
        let objects: Array = get(&listed, "objects").dyn_into().map_err(err)?;
        Ok(objects.iter().filter_map(|o| get(&o, "key").as_string()).collect())
    }
}
