import chat from './default.json';
import pointsav from './pointsav.json';
import worm from './worm.json';
import { stressScenario } from './stress';

/** Scenarios that ship with the playground, for the top bar's picker (a loaded file works the same way). */
export const BUILT_IN_SCENARIOS: readonly { id: string; name: string; text: string }[] = [
  { id: 'default', name: chat.name, text: JSON.stringify(chat) },
  { id: 'pointsav', name: pointsav.name, text: JSON.stringify(pointsav) },
  { id: 'worm', name: worm.name, text: JSON.stringify(worm) },
  { id: 'stress', name: 'Stress: 1,000 processes, 10,000 caps, 8 machines', text: JSON.stringify(stressScenario()) },
];
