/* global window, document */
/*
 * On the Redoc page (http.html): keeps the "Try it in the console" link pointing at the operation the reader
 * is on. The builder writes the map from Redoc's anchors to the console's deep links into the link itself.
 */
(function () {
  'use strict';
  const link = document.getElementById('try-link');
  if (!link) return;
  const links = JSON.parse(link.dataset.links || '{}');
  const follow = () => {
    link.href = `console.html${links[window.location.hash] ?? ''}`;
  };
  window.addEventListener('hashchange', follow);
  // Redoc moves the address as the reader scrolls without a hashchange event: read it when the link is used.
  link.addEventListener('click', follow);
  follow();
})();
