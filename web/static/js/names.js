// Room names people can read aloud ("brave-otter-42"), and the list of
// rooms this browser visited, kept in localStorage.

const adjectives = [
  "amber", "bold", "brave", "bright", "calm", "clever", "cosy", "crisp", "eager", "fair",
  "gentle", "golden", "happy", "jolly", "keen", "kind", "lively", "lucky", "merry", "mellow",
  "nimble", "quiet", "rapid", "silver", "sunny", "swift", "tidy", "vivid", "warm", "witty",
];
const nouns = [
  "badger", "beacon", "bison", "canyon", "cedar", "comet", "falcon", "fjord", "harbor", "heron",
  "island", "lagoon", "lynx", "maple", "meadow", "orbit", "otter", "panda", "pebble", "pine",
  "raven", "river", "robin", "summit", "tiger", "tulip", "walrus", "willow", "yak", "zebra",
];

function pick(list) {
  const buf = new Uint32Array(1);
  crypto.getRandomValues(buf);
  return list[buf[0] % list.length];
}

// suggestRoomName returns a fresh readable room name.
export function suggestRoomName() {
  const n = new Uint32Array(1);
  crypto.getRandomValues(n);
  return `${pick(adjectives)}-${pick(nouns)}-${10 + (n[0] % 90)}`;
}

// validRoomName mirrors the server's rule: letters, digits, '-', '_' and
// '.', not starting with '.', at most 128 characters.
export function validRoomName(name) {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(name);
}

const recentKey = "parley.recentRooms";
const maxRecent = 6;

// recentRooms returns [{name, at}] newest first.
export function recentRooms() {
  try {
    const list = JSON.parse(localStorage.getItem(recentKey) || "[]");
    return Array.isArray(list) ? list.filter((r) => r && validRoomName(r.name)).slice(0, maxRecent) : [];
  } catch {
    return [];
  }
}

// rememberRoom puts a room at the top of the recent list.
export function rememberRoom(name) {
  const list = recentRooms().filter((r) => r.name !== name);
  list.unshift({ name, at: Date.now() });
  try {
    localStorage.setItem(recentKey, JSON.stringify(list.slice(0, maxRecent)));
  } catch { /* storage full or disabled: nothing to remember */ }
}

// timeAgo words a past Unix-millisecond time ("just now", "5 min ago").
export function timeAgo(at, now = Date.now()) {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
