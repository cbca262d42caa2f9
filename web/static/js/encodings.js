// What the camera and the screen are published with.
//
// The camera goes out in three simulcast layers, named by rid as the SFU
// expects (q, h, f: quarter, half and full resolution). Each layer is
// announced in AddTrackRequest.layers with its size, so the SFU can pick
// for every subscriber the smallest layer at least as large as its tile.
// A screen share is one high-resolution layer tuned for detail.

export const Source = Object.freeze({
  CAMERA: "TRACK_SOURCE_CAMERA",
  MICROPHONE: "TRACK_SOURCE_MICROPHONE",
  SCREEN: "TRACK_SOURCE_SCREEN_SHARE",
});

export const Quality = Object.freeze({
  LOW: "VIDEO_QUALITY_LOW",
  MEDIUM: "VIDEO_QUALITY_MEDIUM",
  HIGH: "VIDEO_QUALITY_HIGH",
  OFF: "VIDEO_QUALITY_OFF",
});

// ridOfQuality maps a VideoQuality to the camera layer's rid.
export const ridOfQuality = Object.freeze({ [Quality.LOW]: "q", [Quality.MEDIUM]: "h", [Quality.HIGH]: "f" });

// cameraLayers returns the three layers for a capture of width×height, lowest
// first: {rid, quality, scale, width, height, bitrate, fps}.
export function cameraLayers(width, height, fps = 30) {
  const w = width || 1280;
  const h = height || 720;
  // The two lower layers fit a browser's starting bandwidth estimate
  // (~300 kbps) together, so a subscriber can get more than the smallest
  // layer from the first seconds on.
  const layers = [
    { rid: "q", quality: Quality.LOW, scale: 4, bitrate: 120_000, fps: Math.min(fps, 15) },
    { rid: "h", quality: Quality.MEDIUM, scale: 2, bitrate: 400_000, fps },
    { rid: "f", quality: Quality.HIGH, scale: 1, bitrate: 1_500_000, fps },
  ];
  return layers.map((l) => ({ ...l, width: Math.round(w / l.scale), height: Math.round(h / l.scale) }));
}

// cameraEncodings is RTCRtpTransceiverInit.sendEncodings for the layers.
export function cameraEncodings(layers) {
  return layers.map((l) => ({
    rid: l.rid,
    scaleResolutionDownBy: l.scale,
    maxBitrate: l.bitrate,
    maxFramerate: l.fps,
  }));
}

// announcedLayers is AddTrackRequest.layers (SimulcastLayer) for the layers.
export function announcedLayers(layers) {
  return layers.map((l) => ({ quality: l.quality, rid: l.rid, width: l.width, height: l.height, bitrate: l.bitrate, fps: l.fps }));
}

// screenEncodings: a single layer with room for sharp text.
export function screenEncodings() {
  return [{ maxBitrate: 2_500_000, maxFramerate: 15 }];
}

// layerName words the layer a subscriber receives for the stats popover:
// by the server's quality when it said, else by the frame width against
// the announced layers.
export function layerName(track, frameWidth, quality) {
  const names = { [Quality.LOW]: "low (q)", [Quality.MEDIUM]: "medium (h)", [Quality.HIGH]: "high (f)", [Quality.OFF]: "off" };
  if (quality && names[quality]) return names[quality];
  const layers = (track && track.layers) || [];
  if (layers.length < 2 || !frameWidth) return layers.length < 2 ? "single layer" : "—";
  let best = layers[0];
  for (const l of layers) if (Math.abs((l.width || 0) - frameWidth) < Math.abs((best.width || 0) - frameWidth)) best = l;
  return names[best.quality] || best.rid || "—";
}
