// Frame sources: every way a picture reaches the mirror, as RGB frames with a time.
export { videoFileFrames, videoAsCamera, videoPlayedOnce, probeVideo, type VideoInfo, type VideoFileOptions } from './video-file.ts';
export { readImage, listImages, imageFolderFrames, type ImageFolderOptions } from './image-folder.ts';
export { csiCamera, findCsiTool, type CsiCameraOptions } from './csi-camera.ts';
export { webcam, type WebcamOptions } from './webcam.ts';
export type { LiveSource } from './live-source.ts';
export { liveKeypoints, type LiveEvent, type LiveOptions } from './live.ts';
export { NewestFrameMailbox, type FrameRateStats } from './newest-frame.ts';
export { keypointsFromVideo, type KeypointsFromVideoOptions, type FrameKeypoints } from './keypoints-from-video.ts';
export { yuv420Layout, yuv420ToRgb, type Yuv420Layout } from './yuv420.ts';
export { FrameSourceError } from './ffmpeg.ts';
export { scaledSize, DEFAULT_MAX_SIDE, type SourceFrame } from './types.ts';
