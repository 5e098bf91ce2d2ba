// Settings kept in chrome.storage.local, with defaults for the local sandbox.
export const DEFAULTS = {
  endpoint: "http://127.0.0.1:8080",
  clientKey: "anysolver_demo",
  selector: "[data-anysolver-challenge]",
  click: false,
};

export async function settings() {
  return { ...DEFAULTS, ...(await chrome.storage.local.get(Object.keys(DEFAULTS))) };
}
