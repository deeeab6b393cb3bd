/** The exercise coach: keypoint frames in, reps, form scores, cues and session summaries out. */
export { createCoach, emptySummary, CoachConfigError, type Coach, type CoachOptions } from './coach.ts';
export { analyzeFrames, createFrameAnalyzer, type AnalysisResult, type AnalyzeOptions, type FrameAnalyzer } from './analyzeFrames.ts';
export { formatSummary } from './formatSummary.ts';
export { EXERCISES, type CountedExercise, type CoachEvent, type ExerciseName, type PoseFrame, type PoseKeypoint, type RepDetail, type SessionEndReason, type SessionSummary, type View } from './types.ts';
export { DEFAULT_THRESHOLDS, resolveThresholds, ThresholdError, type ThresholdOverrides } from './thresholds.ts';
export { EXERCISE_MODULES } from './exercises/index.ts';
export { computeFeatures, type Features } from './features.ts';
export { CUE_LANGUAGES, CUE_CATALOGUES, cueTranslator, type CueLanguage } from './cueLanguage.ts';
export { PeriodicCounter, DEFAULT_PERIODIC, type PeriodicOptions, type PeriodicState } from './periodic.ts';
export { NEEDED_PARTS, VISIBILITY_CUES, type BodyPart, type VisibilityReport } from './visibility.ts';
