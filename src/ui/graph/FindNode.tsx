import { useState } from 'react';
import type { LaidOutGraph, LaidOutNode } from './model';

/**
 * Find a node by name (or pid / object id): Enter picks the next match, centres it and opens it in the
 * inspector; Esc clears the box. What it says ("2 of 3", "no match") is read out as it changes.
 */
export function FindNode({ layout, onFound }: { layout: LaidOutGraph | null; onFound(node: LaidOutNode): void }) {
  const [query, setQuery] = useState('');
  /** The match last picked (-1: none yet). */
  const [picked, setPicked] = useState(-1);
  const q = query.trim().toLowerCase();
  const matches = q && layout ? layout.nodes.filter((n) => n.label.toLowerCase().includes(q) || n.ariaLabel.toLowerCase().includes(q)) : [];
  const status = !q
    ? ''
    : !matches.length
      ? 'no match'
      : picked < 0 || picked >= matches.length
        ? `${matches.length} match${matches.length === 1 ? '' : 'es'}: Enter to pick`
        : `${picked + 1} of ${matches.length}`;
  return (
    <span className="graph-find">
      <input
        type="search"
        placeholder="find a node"
        aria-label="Find a node by name"
        data-testid="graph-find"
        value={query}
        maxLength={80}
        onChange={(e) => {
          setQuery(e.target.value);
          setPicked(-1);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            setQuery('');
            setPicked(-1);
          } else if (e.key === 'Enter' && matches.length) {
            e.preventDefault();
            const i = (picked + 1) % matches.length;
            onFound(matches[i]);
            setPicked(i);
          }
        }}
      />
      <span className="graph-find-status" role="status" data-testid="graph-find-status">
        {status}
      </span>
    </span>
  );
}
