// The demo player of the comparing chapter: each <div class="demo-player" data-cast="...">
// becomes an asciinema player of that recording. The same run as text, in the
// <details class="demo-text"> below it, stays open where JavaScript is off (and on the code
// host) and is folded away once the player is shown.
(function () {
    "use strict";
    if (typeof AsciinemaPlayer === "undefined") {
        return;
    }
    document.querySelectorAll(".demo-player[data-cast]").forEach(function (el) {
        AsciinemaPlayer.create(el.dataset.cast, el, {
            fit: "width",
            preload: true,
            idleTimeLimit: 2,
            poster: el.dataset.poster || "npt:0:01",
            terminalFontFamily: "'Source Code Pro', monospace",
        });
        document.querySelectorAll("details.demo-text").forEach(function (d) {
            d.open = false;
        });
    });
})();
