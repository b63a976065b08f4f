// Hooks the settings screens share: loading a resource (an edit made while it loads is kept) and
// running an action whose refusal is shown as a human sentence next to the field it names.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { humanError, t } from './i18n';

export function useAsync<T>(load: () => Promise<T>, deps: unknown[] = []): [T | null, (v: T | ((prev: T) => T)) => void, string, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState('');
  const [n, setN] = useState(0);
  // An edit made while the load is in flight must not be overwritten by the older answer (a key created
  // before the list arrived vanished): the load is then asked again.
  const edits = useRef(0);
  useEffect(() => {
    const at = edits.current;
    let live = true;
    load().then((v) => { if (live) (edits.current === at ? setValue(v) : setN((x) => x + 1)); }, (e) => live && setError((e as Error).message));
    return () => { live = false; };
  }, [...deps, n]);
  const update = (v: T | ((prev: T) => T)) => {
    edits.current++;
    setValue((prev) => (typeof v === 'function' ? (prev === null ? prev : (v as (p: T) => T)(prev)) : v));
  };
  return [value, update, error, () => setN((x) => x + 1)];
}

/** Runs an action. A refusal is shown as a human sentence in the console's language (never the raw
 *  server string), next to the field it names when the form shows one (`fieldError`), else below. */
export function useAction(): [(f: () => Promise<unknown>, done?: string) => Promise<boolean>, ComponentChildren, (field: string) => ComponentChildren] {
  const [msg, setMsg] = useState<{ ok: boolean; text: string; field?: string; detail?: string } | null>(null);
  const run = async (f: () => Promise<unknown>, done = t('saved')) => {
    try {
      await f();
      setMsg({ ok: true, text: done });
      return true;
    } catch (e) {
      const err = e as Error & { field?: string; code?: string };
      setMsg({ ok: false, text: humanError(err.code ?? '', err.field), field: err.field, detail: err.message });
      return false;
    }
  };
  const placed = new Set<string>();
  const fieldError = (field: string) => {
    placed.add(field);
    return msg && !msg.ok && msg.field === field ? <p class="error field-error" role="alert" title={msg.detail}>{msg.text}</p> : null;
  };
  // Evaluated where it stands in the form: after the fields, so it knows which of them show the error.
  const View = () => (msg && !(msg.field && placed.has(msg.field)) ? <p class={msg.ok ? 'ok-msg' : 'error'} role={msg.ok ? 'status' : 'alert'} title={msg.detail}>{msg.text}</p> : null);
  return [run, <View />, fieldError];
}

export const val = (e: Event) => (e.target as HTMLInputElement).value;
