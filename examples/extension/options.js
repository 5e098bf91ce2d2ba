import { DEFAULTS, settings } from "./settings.js";

const s = await settings();
for (const k of Object.keys(DEFAULTS)) document.getElementById(k).value = s[k];
document.getElementById("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const values = Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, document.getElementById(k).value.trim()]));
  await chrome.storage.local.set(values);
  document.getElementById("status").textContent = "Saved.";
});
