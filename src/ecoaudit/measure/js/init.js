// Runs in every frame before the page's own scripts: records permission prompts the page asks
// for, and counts pop-ups instead of opening them.
(() => {
  const asked = [];
  Object.defineProperty(window, "__ecoauditPermissions", { value: asked, enumerable: false });
  const wrap = (owner, name, label) => {
    if (!owner || typeof owner[name] !== "function") return;
    const original = owner[name];
    owner[name] = function (...args) {
      asked.push(label);
      return original.apply(this, args);
    };
  };
  if (window.Notification) wrap(window.Notification, "requestPermission", "notifications");
  if (navigator.geolocation) {
    wrap(navigator.geolocation, "getCurrentPosition", "geolocation");
    wrap(navigator.geolocation, "watchPosition", "geolocation");
  }
  if (navigator.mediaDevices) wrap(navigator.mediaDevices, "getUserMedia", "camera-microphone");
  if (window.PushManager) wrap(window.PushManager.prototype, "subscribe", "push");
  // Pop-ups are counted, never opened: they would add another page's requests to the
  // measurement, and could reach hosts the crawl must not (navigation checks see one page).
  let popups = 0;
  Object.defineProperty(window, "__ecoauditPopups", { get: () => popups, enumerable: false });
  window.open = function () {
    popups += 1;
    return null;
  };
})();
