export { videoFileFrames, probeVideo, type VideoInfo, type VideoFileOptions } from './video-file.ts';
export { keypointsFromVideo, type KeypointsFromVideoOptions, type FrameKeypoints } from './keypoints-from-video.ts';
export { FrameSourceError } from './ffmpeg.ts';
export { scaledSize, DEFAULT_MAX_SIDE, type SourceFrame } from './types.ts';
