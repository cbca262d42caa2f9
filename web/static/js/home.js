// Home page: pick a room and a name, then go to /<room>?name=<name>.
const form = document.getElementById("join-form");
const room = document.getElementById("room");
const name = document.getElementById("name");

name.value = localStorage.getItem("parley.name") || "";

form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!form.reportValidity()) return;
  const who = name.value.trim();
  if (who) localStorage.setItem("parley.name", who);
  const query = who ? "?name=" + encodeURIComponent(who) : "";
  location.assign("/" + encodeURIComponent(room.value.trim()) + query);
});
