//! A small map kept in a vector: for the handful of entries a room, an inbox or a routing pass
//! holds, a linear scan is as fast as hashing and far smaller in wasm than a hash map per key type.

#[derive(Debug, Clone, PartialEq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: PartialEq, V> VecMap<K, V> {
    pub fn new() -> Self {
        VecMap(Vec::new())
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value for `key`, inserted from `make` when missing.
    pub fn slot(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.0.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.0.push((key, make()));
                self.0.len() - 1
            }
        };
        &mut self.0[at].1
    }

    pub fn insert(&mut self, key: K, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.swap_remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.0.retain(|(k, v)| keep(k, v));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_slot_remove_retain() {
        let mut m: VecMap<String, i64> = VecMap::new();
        m.insert("a".into(), 1);
        m.insert("a".into(), 2);
        *m.slot("b".into(), || 10) += 1;
        *m.slot("b".into(), || 10) += 1;
        assert_eq!((m.get(&"a".into()), m.get(&"b".into()), m.get(&"c".into())), (Some(&2), Some(&12), None));
        assert_eq!(m.remove(&"a".into()), Some(2));
        m.retain(|_, v| *v > 100);
        assert_eq!(m.iter().count(), 0);
    }
}
