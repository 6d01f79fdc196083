import { FileButton } from '../FileButton';
import { useEffect, useState } from 'react';
import { appStore, useApp } from '../../store/store';
import { encodeShare, MAX_LINK_CHARS, MAX_SESSION_BYTES, olderRulesNotice, parseSessionFile, sessionFile } from '../../session/share';
import { sessionProblem } from '../../kernel/session/check';
import type { Session } from '../../kernel/host-api';
import { loadKept } from '../../session/persist';
import { kernelClient } from '../../client/instance';
import { downloadText } from '../download';
import { askFresh } from '../app/sessionActions';
import './share.css';

/**
 * Share the session: a link carrying scenario + seed + command log in its fragment (compressed, versioned), the
 * same as a file to export and import, and a link to a fresh playground that carries nothing.
 */
export function ShareMenu() {
  const kernel = useApp((s) => s.kernel);
  const kept = useApp((s) => s.kept);
  const [open, setOpen] = useState(false);
  const [link, setLink] = useState('');
  const [note, setNote] = useState('');

  const makeLink = async () => {
    if (!kernel) return;
    const fragment = await encodeShare(await kernel.session());
    if (fragment.length > MAX_LINK_CHARS) {
      setLink('');
      return setNote(
        `This session is too long for a link (${fragment.length.toLocaleString('en')} characters; a link holds ${MAX_LINK_CHARS.toLocaleString('en')}): Export session and send the file instead.`,
      );
    }
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

  const [keptList, setKeptList] = useState<Awaited<ReturnType<typeof loadKept>>>([]);
  useEffect(() => {
    if (open && kept) void loadKept().then(setKeptList);
  }, [open, kept]);
  const downloadKept = (k: (typeof keptList)[number]) => {
    const stamp = new Date(k.at).toISOString().slice(0, 19).replace(/[:T]/g, '-');
    // A session (its replay failed or was stopped) downloads as a session file; what storage held that this build
    // cannot read (damaged, or a newer format) downloads as found, and says so.
    if (!sessionProblem(k.session)) {
      downloadText(`capplay-kept-session-${stamp}.json`, sessionFile(k.session as Session), 'application/json');
      return setNote(`Saved the kept session (${k.why}). Import session… opens it again.`);
    }
    downloadText(`capplay-kept-storage-${stamp}.json`, JSON.stringify({ why: k.why, found: k.session }), 'application/json');
    setNote(`Saved what storage held, as found (${k.why}). It is not a session file this build can import.`);
  };

  const importFile = async (input: HTMLInputElement) => {
    const f = input.files?.[0];
    input.value = '';
    if (!f || !kernel) return;
    if (f.size > MAX_SESSION_BYTES) return setNote(`${f.name} is ${f.size} bytes; the limit is ${MAX_SESSION_BYTES}.`);
    const parsed = parseSessionFile(await f.text());
    if (!parsed.ok) return setNote(`${f.name} was not opened: ${parsed.error}. The running session is unchanged.`);
    const older = olderRulesNotice(parsed.version); // a file made before the seed rules replays under them
    const r = await kernelClient.restoreWithProgress(kernel, parsed.session, `Opening ${f.name}`);
    if (!r.ok) return setNote(`${f.name} was not opened: ${r.errors[0]}. The running session is unchanged.${older ? ` ${older}` : ''}`);
    appStore.setState({ travel: null, selected: null });
    setNote(`Opened ${f.name}: ${parsed.session.log.length} commands replayed.${older ? ` ${older}` : ''}`);
  };

  return (
    <div className="share">
      <button
        type="button"
        className="button"
        aria-expanded={open}
        data-testid="share-toggle"
        disabled={!kernel}
        onClick={() => setOpen(!open)}
      >
        Share
      </button>
      {open && (
        <div className="share-pop" data-testid="share" role="dialog" aria-label="Share this session">
          <button type="button" className="button" data-testid="share-make" onClick={() => void makeLink()}>
            Copy share link
          </button>
          {link && (
            <input className="share-link" data-testid="share-link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
          )}
          <div className="share-row">
            <button type="button" className="button" onClick={() => void exportFile()}>
              Export session
            </button>
            <FileButton className="button" accept=".json,application/json" testId="session-file" onFile={(input) => void importFile(input)}>
              Import session…
            </FileButton>
            <a
              className="button"
              href="#fresh"
              data-testid="fresh-link"
              onClick={(e) => {
                e.preventDefault(); // in this tab: ask, then start fresh here with Undo (the link itself opens one elsewhere)
                void askFresh();
              }}
            >
              Fresh playground
            </a>
          </div>
          {keptList.length > 0 && (
            <div className="share-kept" data-testid="kept-sessions">
              <p className="muted">Kept aside (they could not be restored):</p>
              {keptList.map((k, i) => (
                <button
                  key={`${k.at}-${i}`}
                  type="button"
                  className="button"
                  data-testid="download-kept"
                  title={k.why}
                  onClick={() => downloadKept(k)}
                >
                  Download the kept session of {new Date(k.at).toLocaleString()}
                </button>
              ))}
            </div>
          )}
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
