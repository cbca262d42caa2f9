// Home page: start a meeting under a suggested name, join one by name, or
// reopen a recent room. Every way leads to /<room>, the pre-join screen.
import { recentRooms, suggestRoomName, timeAgo, validRoomName } from "./names.js";

const form = document.getElementById("join-form");
const room = document.getElementById("room");
const suggestion = document.getElementById("suggestion");
const newRoom = document.getElementById("new-room");

function go(name) {
  location.assign("/" + encodeURIComponent(name));
}

let suggested = suggestRoomName();
suggestion.textContent = suggested;
suggestion.addEventListener("click", () => {
  room.value = suggested;
  room.focus();
});
newRoom.addEventListener("click", () => go(suggested));

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const name = room.value.trim();
  if (!validRoomName(name)) {
    room.setCustomValidity("Use letters, digits, '-', '_' and '.' (up to 128).");
    form.reportValidity();
    return;
  }
  go(name);
});
room.addEventListener("input", () => room.setCustomValidity(""));

const recent = recentRooms();
if (recent.length) {
  const list = document.getElementById("recent-list");
  for (const r of recent) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/" + encodeURIComponent(r.name);
    a.dataset.testid = `recent-${r.name}`;
    a.append(r.name, " ");
    const when = document.createElement("small");
    when.textContent = timeAgo(r.at);
    a.append(when);
    li.append(a);
    list.append(li);
  }
  document.querySelector('[data-testid="recent"]').hidden = false;
}

// A new suggestion each visit keeps rooms from colliding by accident.
window.addEventListener("pageshow", () => {
  suggested = suggestRoomName();
  suggestion.textContent = suggested;
});
