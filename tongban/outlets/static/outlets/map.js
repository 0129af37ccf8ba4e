/* The service map: outlets as circle markers (no tile server needed), filters, the user's
   starting point, and the 15-minute coverage layer. Data comes from /api/v1/outlets/. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var COLORS = {
    police_station: "#0b4f9c", exit_entry_hall: "#7b2cbf", vehicle_hall: "#c05600",
    gov_centre: "#1a6b2f", kiosk: "#5c6770", all_in_one_5g: "#008b8b", hospital: "#a11a1a"
  };
  var T = cfg.t;
  function fill(s, v) { return s.replace(/\{(\w+)\}/g, function (_m, k) { return v[k]; }); }
  var map = L.map("map", { preferCanvas: true, zoomControl: false }).setView(cfg.centre, 11);
  L.control.zoom({ zoomInTitle: T.zoom_in, zoomOutTitle: T.zoom_out }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  var status = document.getElementById("map-status");
  var tilesFailed = false;
  cfg.tiles.layers.forEach(function (url) {
    var layer = L.tileLayer(url, { subdomains: cfg.tiles.subdomains || "abc", attribution: cfg.tiles.attribution, maxZoom: 18 });
    layer.on("tileerror", function () {
      if (!tilesFailed) { tilesFailed = true; status.textContent = T.basemap_failed; }
    });
    layer.addTo(map);
  });
  function pos(o) { return cfg.tiles.datum === "gcj02" ? [o.lat_gcj02, o.lng_gcj02] : [o.lat, o.lng]; }
  var outletLayer = L.layerGroup().addTo(map);
  var coverageLayer = L.layerGroup();
  var here = null;
  var form = document.getElementById("map-filters");
  var itemSel = document.getElementById("f-item");
  var kindSel = document.getElementById("f-kind");

  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  function query() { return "item=" + encodeURIComponent(itemSel.value) + "&kind=" + encodeURIComponent(kindSel.value); }

  function loadOutlets() {
    return fetch(cfg.api + "?" + query(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (rows) {
        outletLayer.clearLayers();
        rows.forEach(function (o) {
          var m = L.circleMarker(pos(o), { radius: 6, color: "#fff", weight: 1, fillColor: COLORS[o.kind] || "#333", fillOpacity: 0.9 });
          var book = (o.bookable && itemSel.value)
            ? '<br><a href="' + cfg.book + "?item=" + encodeURIComponent(itemSel.value) + "&outlet=" + encodeURIComponent(o.code) + '">' + esc(T.book) + '</a>' : "";
          m.bindPopup('<strong lang="zh-Hans">' + esc(o.name) + "</strong><br>" + esc(o.kind_label) + '<br><span lang="zh-Hans">' + esc(o.address) + "</span>" +
            (o.extended_hours ? "<br>" + esc(T.extended) : "") + (o.home_visit ? " · " + esc(T.home_visit) : "") + book);
          m.addTo(outletLayer);
        });
        document.getElementById("map").setAttribute("data-outlets", String(rows.length));
        if (!tilesFailed) { status.textContent = fill(T.outlets_count, { n: rows.length.toLocaleString(cfg.lang) }); }
      });
  }

  function refreshNearest() {
    var url = "/outlets/nearest/?" + query();
    if (here) {
      var ll = here.getLatLng();
      url += "&lat=" + ll.lat.toFixed(6) + "&lng=" + ll.lng.toFixed(6) + "&datum=" + cfg.tiles.datum;
    }
    if (window.htmx) { window.htmx.ajax("GET", url, "#nearest"); }
  }

  function setHere(latlng) {
    // On a GCJ-02 basemap a click is a GCJ-02 point: the datum travels with it (see refreshNearest).
    if (here) { here.setLatLng(latlng); } else {
      here = L.circleMarker(latlng, { radius: 8, color: "#f0a400", weight: 3, fillOpacity: 0.2 }).addTo(map);
      here.bindTooltip(T.start);
    }
    refreshNearest();
  }
  map.on("click", function (e) { setHere(e.latlng); });
  document.getElementById("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = T.no_geo; return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      var ll = L.latLng(p.coords.latitude, p.coords.longitude);
      map.setView(ll, 13); setHere(ll);
    }, function () { status.textContent = T.no_location; });
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.replaceState(null, "", "?" + query());
    loadOutlets(); refreshNearest();
    if (document.getElementById("coverage").checked) { loadCoverage(); }
  });
  itemSel.addEventListener("change", function () { form.requestSubmit(); });
  kindSel.addEventListener("change", function () { form.requestSubmit(); });

  function colour(min) {
    if (min === null) { return "#7f0000"; }
    if (min <= 15) { return "#1a9850"; }
    if (min <= 30) { return "#fee08b"; }
    return "#d73027";
  }
  function loadCoverage() {
    var summary = document.getElementById("coverage-summary");
    var mode = document.getElementById("coverage-mode").value;
    summary.textContent = T.computing;
    fetch(cfg.api + "coverage?cells=true&mode=" + mode + "&item=" + encodeURIComponent(itemSel.value))
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        coverageLayer.clearLayers();
        if (!res.ok) { summary.textContent = res.body.title || T.not_available; return; }
        var c = res.body, half = c.cell_m / 2 / 111320;
        c.cells.forEach(function (cell) {
          var dl = half / Math.cos(cell.lat * Math.PI / 180);
          L.rectangle([[cell.lat - half, cell.lng - dl], [cell.lat + half, cell.lng + dl]],
            { stroke: false, fillColor: colour(cell.minutes), fillOpacity: 0.45, interactive: false }).addTo(coverageLayer);
        });
        coverageLayer.addTo(map);
        summary.innerHTML = '<span class="swatch" style="background:#1a9850"></span>' + esc(T.within15) + ' ' +
          '<span class="swatch" style="background:#fee08b"></span>15–30 ' +
          '<span class="swatch" style="background:#d73027"></span>&gt; 30 ' +
          '<span class="swatch" style="background:#7f0000"></span>' + esc(T.none) + '<br>';
        summary.appendChild(document.createTextNode(fill(T.coverage, {
          share: (c.share * 100).toLocaleString(cfg.lang, { maximumFractionDigits: 1, minimumFractionDigits: 1 }), minutes: c.minutes,
          covered: c.covered.toLocaleString(cfg.lang), population: c.population.toLocaleString(cfg.lang) })));
      });
  }
  document.getElementById("coverage").addEventListener("change", function (e) {
    if (e.target.checked) { loadCoverage(); } else { map.removeLayer(coverageLayer); document.getElementById("coverage-summary").textContent = ""; }
  });
  document.getElementById("coverage-mode").addEventListener("change", function () {
    if (document.getElementById("coverage").checked) { loadCoverage(); }
  });

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "legend");
    var labels = T.kinds;
    div.innerHTML = Object.keys(labels).map(function (k) { return '<i style="background:' + COLORS[k] + '"></i>' + esc(labels[k]); }).join("<br>");
    return div;
  };
  legend.addTo(map);
  loadOutlets();
})();
