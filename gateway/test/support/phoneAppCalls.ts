/** Every /api call the phone app makes, as OpenAPI path templates with their methods. */
export const PHONE_APP_CALLS = [
  ['get', '/api/users/{uid}/mirrors'],
  ['get', '/api/users/{uid}/summary'],
  ['get', '/api/users/{uid}/progress'],
  ['get', '/api/users/{uid}/history'],
  ['get', '/api/users/{uid}/history/{sessionId}'],
  ['patch', '/api/users/{uid}/history/{sessionId}'],
  ['delete', '/api/users/{uid}/workout-sessions/{sessionId}'],
  ['get', '/api/users/{uid}/live'],
  ['get', '/api/users/{uid}/export'],
  ['delete', '/api/users/{uid}'],
  ['delete', '/api/pairing/devices/{deviceId}'],
] as const;
