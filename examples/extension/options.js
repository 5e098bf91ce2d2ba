import { DEFAULTS, settings } from "./settings.js";

const s = await settings();
const field = (k) => document.getElementById(k);
for (const k of Object.keys(DEFAULTS)) {
  if (field(k).type === "checkbox") field(k).checked = s[k];
  else field(k).value = s[k];
}
document.getElementById("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const read = (k) => (field(k).type === "checkbox" ? field(k).checked : field(k).value.trim());
  await chrome.storage.local.set(Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, read(k)])));
  document.getElementById("status").textContent = "Saved.";
});
