import { appStore, useApp } from '../../store/store';
import { ProgramsTab } from '../programs/ProgramsTab';
import { YieldsPanel } from '../yields/YieldsPanel';
import { ChallengeList } from './ChallengeList';
import { GalleryPlayer } from './GalleryPlayer';
import { LessonPlayer } from './LessonPlayer';
import './learn.css';

const TABS = [
  { id: 'gallery', label: 'Attack gallery' },
  { id: 'lessons', label: 'Lessons' },
  { id: 'challenges', label: 'Challenges' },
  { id: 'programs', label: 'Programs' },
  { id: 'yields', label: 'Yield routes' },
] as const;

/** Under the terminal: the attack gallery, the lessons, the challenges, programs and yield routes, one at a time. */
export function LearnTabs() {
  const tab = useApp((s) => s.learnTab);
  const setTab = (learnTab: (typeof TABS)[number]['id']) => appStore.setState({ learnTab });
  return (
    <section className="panel learn-panel" aria-label="Gallery, lessons, challenges, programs and yields" data-testid="learn">
      <div className="learn-tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            data-testid={`tab-${t.id}`}
            className={tab === t.id ? 'is-active' : ''}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="learn-body">
        {tab === 'yields' ? (
          <YieldsPanel />
        ) : tab === 'gallery' ? (
          <GalleryPlayer />
        ) : tab === 'programs' ? (
          <ProgramsTab />
        ) : tab === 'challenges' ? (
          <ChallengeList />
        ) : (
          <LessonPlayer />
        )}
      </div>
    </section>
  );
}
