/** What the gateway's phone-app calls answer (see /openapi.json). */
export interface Stats {
  totalSessions: number;
  totalReps: number;
  averageAccuracy: number;
  totalDuration: number;
}

export type PeriodName = 'today' | 'week' | 'month' | 'all';

export interface Summary {
  timeZone: string;
  periods: Record<PeriodName, Stats>;
}

export interface Progress {
  timeZone: string;
  days: { date: string; start: string; reps: number; sessions: number }[];
  accuracy: { activity: string; points: { timestamp: string; accuracy: number }[] }[];
}

export interface RepDetail {
  start: number;
  end: number;
  score: number;
  cues: string[];
}

export interface Session {
  sessionId: string;
  userId: string;
  exercise: string;
  movement?: string;
  /** Made by the mirror's simulated athlete (a demo, no camera): labelled as such. */
  simulated?: true;
  reps: number;
  accuracy: number;
  timestamp: string;
  duration: number;
  feedbackPoints: string[];
  repDetails?: RepDetail[];
  partialReps?: number;
  holdSeconds?: number;
  deviceId?: string;
  createdAt: string;
}

export interface HistoryPage {
  sessions: Session[];
  next: string | null;
}

export interface SessionDetail {
  session: Session;
  stores: { firestore: boolean; mysql: boolean };
  motivationalFeedback: string;
}

export interface Mirror {
  deviceId: string;
  name: string | null;
  room: string | null;
  pairedAt: string;
}

export interface LiveSession {
  session: Session;
  motivationalFeedback: string;
}

export interface FirebaseSettings {
  apiKey?: string;
  authDomain: string;
  projectId: string;
  authEmulatorUrl?: string;
  /** The gateway's embedded sign-in: the SDK talks to the origin the app came from, and accounts can be made here. */
  localAuth?: boolean;
}
