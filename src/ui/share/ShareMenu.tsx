import { useRef, useState } from 'react';
import { appStore, useApp } from '../../store/store';
import { encodeShare, parseSessionFile, sessionFile } from '../../session/share';
import { downloadText } from '../download';
import './share.css';

const MAX_FILE_BYTES = 4 << 20;

/**
 * Share the session: a link carrying scenario + seed + command log in its fragment (compressed, versioned), the
 * same as a file to export and import, and a link to a fresh playground that carries nothing.
 */
export function ShareMenu() {
  const kernel = useApp((s) => s.kernel);
  const [open, setOpen] = useState(false);
  const [link, setLink] = useState('');
  const [note, setNote] = useState('');
  const file = useRef<HTMLInputElement>(null);

  const makeLink = async () => {
    if (!kernel) return;
    const fragment = await encodeShare(await kernel.session());
    const url = `${location.origin}${location.pathname}${fragment}`;
    setLink(url);
    try {
      await navigator.clipboard.writeText(url);
      setNote('Copied to the clipboard.');
    } catch {
      setNote('Select the link and copy it.');
    }
  };

  const exportFile = async () => {
    if (!kernel) return;
    downloadText('capplay-session.json', sessionFile(await kernel.session()), 'application/json');
  };

  const importFile = async (input: HTMLInputElement) => {
    const f = input.files?.[0];
    input.value = '';
    if (!f || !kernel) return;
    if (f.size > MAX_FILE_BYTES) return setNote(`${f.name} is ${f.size} bytes; the limit is ${MAX_FILE_BYTES}.`);
    const parsed = parseSessionFile(await f.text());
    if (!parsed.ok) return setNote(`${f.name} was not opened: ${parsed.error}. The running session is unchanged.`);
    const r = await kernel.restore(parsed.session);
    if (!r.ok) return setNote(`${f.name} was not opened: ${r.errors[0]}. The running session is unchanged.`);
    appStore.setState({ travel: null, selected: null });
    setNote(`Opened ${f.name}: ${parsed.session.log.length} commands replayed.`);
  };

  return (
    <div className="share">
      <button type="button" className="button" aria-expanded={open} data-testid="share-toggle" disabled={!kernel} onClick={() => setOpen(!open)}>
        Share
      </button>
      {open && (
        <div className="share-pop" data-testid="share" role="dialog" aria-label="Share this session">
          <button type="button" className="button" data-testid="share-make" onClick={() => void makeLink()}>
            Copy share link
          </button>
          {link && <input className="share-link" data-testid="share-link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />}
          <div className="share-row">
            <button type="button" className="button" onClick={() => void exportFile()}>
              Export session
            </button>
            <label className="button">
              Import session…
              <input ref={file} type="file" accept=".json,application/json" hidden data-testid="session-file" onChange={(e) => void importFile(e.currentTarget)} />
            </label>
            <a className="button" href="#fresh" data-testid="fresh-link" onClick={() => setTimeout(() => location.reload())}>
              Fresh playground
            </a>
          </div>
          {note && (
            <p className="muted" data-testid="share-note">
              {note}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
