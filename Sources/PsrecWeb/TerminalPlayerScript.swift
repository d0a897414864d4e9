/// The terminal player's script (`/static/psrec-terminal.js`), built into the binary.
///
/// It reads the recording's ID and the deep link's time from the page's `data-` attributes,
/// fetches the index, and shows a moment by fetching the segment that starts there
/// (`GET …/segment?from=µs`): reset the terminal, draw the snapshot, draw the events up to
/// the moment. Playing draws the segment's events on time, and fetches the next segment
/// (`from` = this one's `end`) before this one runs out. Everything from the recording goes
/// into the page as text (`textContent`), never as markup.
///
/// Writes go to xterm.js's parser synchronously (its `write` defers them to a timer), so
/// that a resize between two outputs lands between them and the screen is read back right
/// after a seek. `window.psrecPlayer` exposes a read-only view for tests: `state()`,
/// `screenText()`, and `seek(µs)` (a promise).
enum TerminalPlayerScript {
    static let source = #"""
(function () {
  'use strict';
  var root = document.getElementById('tplayer');
  if (!root) { return; }
  var statusEl = document.getElementById('tp-status');
  function say(text, cls) { statusEl.textContent = text; statusEl.className = 'tp-status' + (cls ? ' ' + cls : ''); }
  if (typeof window.Terminal !== 'function') { say('The terminal emulator (xterm.js) is not installed on the server.'); return; }

  var api = '/api/recordings/' + encodeURIComponent(root.getAttribute('data-recording')) + '/';
  var deepLink = root.getAttribute('data-start');
  var startUnix = Number(root.getAttribute('data-start-unix')) || 0;
  var term = new window.Terminal({ cols: 80, rows: 24, scrollback: 1000, disableStdin: true, cursorBlink: false });
  term.open(document.getElementById('tp-screen'));

  var speeds = [0.5, 1, 2, 4, 8, 16, 20];
  var p = {
    index: null, duration: 0, state: '', segment: null, next: null, fetching: null,
    position: 0, at: 0, playing: false, speedIndex: 1, lastTick: 0, lastEventTime: 0,
    decoder: new TextDecoder('utf-8'), seeking: 0, inFlight: 0, followLive: false, error: '', bytesFetched: 0,
    indicators: [], hits: [], hitIndex: -1
  };

  function getJSON(url, tries) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (r.status === 503 && (tries || 0) < 120) {
        // The server is building this part's keyframes: ask again in a second.
        say('Preparing this part of the recording…');
        return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () { return getJSON(url, (tries || 0) + 1); });
      }
      return r.text().then(function (text) {
        p.bytesFetched += text.length;
        var body; try { body = JSON.parse(text); } catch (e) { body = { error: 'The server answered ' + r.status + '.' }; }
        if (!r.ok) { throw new Error(body.error || ('The server answered ' + r.status + '.')); }
        return body;
      });
    });
  }

  function bytesOf(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { out[i] = s.charCodeAt(i); }
    return out;
  }

  function decodeSegment(j) {
    var data = bytesOf(j.data), offset = 0, events = [];
    j.events.forEach(function (e) {
      if (e.length === 2) { events.push({ t: e[0], bytes: data.subarray(offset, offset + e[1]) }); offset += e[1]; }
      else { events.push({ t: e[0], cols: e[1], rows: e[2] }); }
    });
    return { from: j.from, columns: j.columns, rows: j.rows, snapshot: bytesOf(j.snapshot), events: events,
             end: j.end, continues: j.continues, atEnd: j.atEnd, i: 0 };
  }

  // xterm.js 3.8 defers write() to a timer; its parser is called here at once instead.
  function writeNow(text) {
    if (!text) { return; }
    var core = term._core;
    if (core && core._inputHandler && core.writeBuffer && core.writeBuffer.length === 0) {
      core._refreshStart = core.buffer.y; core._refreshEnd = core.buffer.y;
      core._inputHandler.parse(text);
      core.updateRange(core.buffer.y);
      core.refresh(core._refreshStart, core._refreshEnd);
    } else {
      term.write(text);
    }
  }
  function draw(e) {
    if (e.bytes) { writeNow(p.decoder.decode(e.bytes, { stream: true })); }
    else if (e.cols > 0 && e.rows > 0) { term.resize(e.cols, e.rows); }
    p.lastEventTime = e.t;
  }
  function drawThrough(micros) {
    var s = p.segment;
    while (s && s.i < s.events.length && s.events[s.i].t <= micros) { draw(s.events[s.i]); s.i++; }
  }
  function start(seg) {
    p.segment = seg;
    p.next = null;
    var core = term._core;
    if (core && core.writeBuffer) { core.writeBuffer.length = 0; }
    term.reset();
    if (term.cols !== seg.columns || term.rows !== seg.rows) { term.resize(seg.columns, seg.rows); }
    p.decoder = new TextDecoder('utf-8');
    writeNow(p.decoder.decode(seg.snapshot, { stream: true }));
    p.lastEventTime = seg.from;
  }
  // The next segment follows on: its snapshot is this one's end, so only its events are drawn.
  function follow(seg) {
    if (!seg.continues || !p.segment || !p.segment.continues) { start(seg); return; }
    while (seg.i < seg.events.length && seg.events[seg.i].t <= seg.from) { seg.i++; }
    p.segment = seg;
    p.next = null;
  }
  function fetchNext() {
    var s = p.segment;
    if (!s || p.next || p.fetching || s.atEnd) { return; }
    var token = p.seeking;
    p.fetching = getJSON(api + 'segment?from=' + s.end).then(function (j) {
      p.fetching = null;
      if (token === p.seeking && p.segment === s) { p.next = decodeSegment(j); }
    }, function (e) { p.fetching = null; p.error = e.message; say(e.message); });
  }

  function seek(micros) {
    micros = Math.max(0, Math.min(Math.round(micros), Math.max(p.duration, 0)));
    var token = ++p.seeking;
    p.next = null;
    p.inFlight++;
    return getJSON(api + 'segment?from=' + micros).then(function (j) {
      p.inFlight--;
      if (token !== p.seeking) { return; }
      start(decodeSegment(j));
      drawThrough(micros);
      p.position = micros;
      p.followLive = p.state === 'live' && micros >= p.duration - 1000000;
      update();
    }, function (e) { p.inFlight--; p.error = e.message; say(e.message); });
  }

  function speed() { return speeds[p.speedIndex]; }
  function skipThreshold() {
    var v = Number(document.getElementById('tp-skip-seconds').value);
    return (isFinite(v) && v > 0 ? v : 2) * 1000000;
  }
  function skipping() { return document.getElementById('tp-skip').checked; }

  function tick() {
    if (!p.playing) { return; }
    var now = performance.now(), elapsed = (now - p.lastTick) * 1000 * speed();
    p.lastTick = now;
    var s = p.segment;
    if (!s) { return; }
    if (s.i >= s.events.length && p.next) { follow(p.next); s = p.segment; }
    var target = p.position + elapsed, upcoming = s.i < s.events.length ? s.events[s.i] : null;
    var idleFrom = p.lastEventTime;
    if (skipping() && upcoming && upcoming.t - idleFrom > skipThreshold() && target > idleFrom + skipThreshold() / 4) {
      // Skip inactivity: a pause longer than the threshold lasts a quarter of it.
      target = upcoming.t;
    }
    if (s.events.length - s.i < 200) { fetchNext(); }
    // Not past what is known: the segment's end until the next one has come, the duration at the end.
    var horizon = s.atEnd ? p.duration : (p.next ? Infinity : s.end);
    target = Math.max(p.position, Math.min(target, horizon));
    drawThrough(target);
    p.position = target;
    if (s.atEnd && s.i >= s.events.length && p.position >= p.duration && p.state !== 'live') { pause(); }
    if (p.state === 'live') { p.followLive = p.position >= p.duration - 1000000; }
    update();
  }

  function play() {
    if (p.playing) { return; }
    if (p.position >= p.duration && p.state !== 'live') { seek(0).then(function () { play(); }); return; }
    p.playing = true; p.lastTick = performance.now();
    p.timer = setInterval(tick, 40);
    update();
  }
  function pause() { p.playing = false; clearInterval(p.timer); update(); }
  function step() {
    pause();
    var s = p.segment;
    if (!s) { return; }
    if (s.i >= s.events.length && p.next) { follow(p.next); s = p.segment; }
    if (s.i < s.events.length) { var t = s.events[s.i].t; drawThrough(t); p.position = t; }
    fetchNext();
    update();
  }

  function clock(micros) {
    var total = Math.floor(Math.max(0, micros) / 1000000), h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60, sec = total % 60;
    var two = function (v) { return (v < 10 ? '0' : '') + v; };
    return h > 0 ? h + ':' + two(m) + ':' + two(sec) : m + ':' + two(sec);
  }
  function update() {
    document.getElementById('tp-play').textContent = p.playing ? 'Pause' : 'Play';
    document.getElementById('tp-speed').textContent = speed() + '×';
    document.getElementById('tp-time').textContent = clock(p.position) + ' / ' + clock(p.duration);
    var real = new Date((startUnix + p.position) / 1000);
    document.getElementById('tp-clock').textContent = isNaN(real.getTime()) ? '' : real.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    var fraction = p.duration > 0 ? Math.min(1, p.position / p.duration) : 0;
    document.getElementById('tp-progress').style.width = (fraction * 100) + '%';
    if (p.state === 'live') { say(p.followLive ? 'Live' : 'Live (behind: press End to follow)', 'live'); }
    else if (p.state === 'interrupted') { say('The session was interrupted: nothing has arrived from it for a while.'); }
    else if (p.endedLive) { say('The session ended.'); }
    else if (statusEl.textContent.indexOf('Preparing') === 0) { say(''); }
  }

  function drawTimeline() {
    var idx = p.index, markers = document.getElementById('tp-markers');
    while (markers.firstChild) { markers.removeChild(markers.firstChild); }
    idx.indicators.forEach(function (ind) {
      var m = document.createElement('div');
      m.className = 'tp-marker ' + (ind.kind === 'command' || ind.kind === 'click' ? ind.kind : 'marker');
      m.style.left = (p.duration > 0 ? ind.t / p.duration * 100 : 0) + '%';
      m.title = clock(ind.t) + ' ' + ind.kind + ': ' + ind.detail;
      markers.appendChild(m);
    });
    var canvas = document.getElementById('tp-heat'), g = canvas.getContext('2d');
    var values = idx.activity.values, most = Math.max.apply(null, values.concat([1]));
    var span = idx.activity.bucketMicros * values.length, scale = p.duration > 0 ? span / p.duration : 1;
    g.clearRect(0, 0, canvas.width, canvas.height);
    values.forEach(function (v, i) {
      if (v <= 0) { return; }
      g.fillStyle = 'rgba(255, 120, 0, ' + (0.15 + 0.85 * v / most).toFixed(3) + ')';
      var w = canvas.width / values.length * scale;
      g.fillRect(i * w, 0, Math.ceil(w), canvas.height);
    });
  }
  function listIndicators() {
    var list = document.getElementById('tp-indicators');
    if (list.children.length === p.indicators.length) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    p.indicators.forEach(function (ind) {
      var li = document.createElement('li'), b = document.createElement('button'), k = document.createElement('span'), d = document.createElement('span');
      b.type = 'button'; b.setAttribute('data-t', String(ind.t)); b.textContent = clock(ind.t);
      k.className = 'tp-kind'; k.textContent = ind.kind; d.className = 'tp-detail'; d.textContent = ind.detail;
      li.appendChild(b); li.appendChild(document.createTextNode(' ')); li.appendChild(k); li.appendChild(document.createTextNode(' ')); li.appendChild(d);
      list.appendChild(li);
    });
  }
  function takeIndex(idx) {
    var wasLive = p.state === 'live';
    p.index = idx; p.duration = idx.durationMicros; p.state = idx.state; p.indicators = idx.indicators;
    if (wasLive && idx.state === 'complete') { p.endedLive = true; }
    drawTimeline();
    listIndicators();
    update();
  }

  function poll() {
    getJSON(api + 'index').then(function (idx) {
      var grew = idx.durationMicros > p.duration;
      takeIndex(idx);
      // At the live edge the page shows what has arrived at once, as the terminal did.
      if (p.followLive && grew) { p.position = Math.max(p.position, idx.durationMicros); }
      var s = p.segment;
      if (s && s.atEnd && (grew || idx.state !== 'live') && !p.fetching && !p.next) {
        // The end of what was stored: ask again from there for what has arrived since.
        var token = p.seeking, was = s;
        p.fetching = getJSON(api + 'segment?from=' + s.end).then(function (j) {
          p.fetching = null;
          if (token === p.seeking && p.segment === was) {
            follow(decodeSegment(j));
            if (p.followLive) { drawThrough(p.position); update(); if (!p.playing) { play(); } }
          }
        }, function () { p.fetching = null; });
      }
      if (idx.state === 'live' || idx.state === 'interrupted') { setTimeout(poll, 1000); }
    }, function (e) { say(e.message); setTimeout(poll, 5000); });
  }

  function seekIndicator(direction) {
    var list = p.indicators, target = null;
    if (direction > 0) { for (var i = 0; i < list.length; i++) { if (list[i].t > p.position + 1000) { target = list[i]; break; } } }
    else { for (var j = list.length - 1; j >= 0; j--) { if (list[j].t < p.position - 1000) { target = list[j]; break; } } }
    if (target) { seek(target.t); }
  }

  document.getElementById('tp-play').addEventListener('click', function () { p.playing ? pause() : play(); });
  document.getElementById('tp-slower').addEventListener('click', function () { p.speedIndex = Math.max(0, p.speedIndex - 1); update(); });
  document.getElementById('tp-faster').addEventListener('click', function () { p.speedIndex = Math.min(speeds.length - 1, p.speedIndex + 1); update(); });
  document.getElementById('tp-timeline').addEventListener('click', function (ev) {
    var box = ev.currentTarget.getBoundingClientRect();
    seek((ev.clientX - box.left) / box.width * p.duration);
  });
  document.getElementById('tp-indicators').addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-t]');
    if (b) { seek(Number(b.getAttribute('data-t'))); }
  });
  document.getElementById('tp-hits').addEventListener('click', function (ev) {
    var li = ev.target.closest('li[data-t]');
    if (li) { seek(Number(li.getAttribute('data-t'))); }
  });
  function showHit(i) {
    var items = document.getElementById('tp-hits').children;
    if (!items.length) { return; }
    p.hitIndex = (i + items.length) % items.length;
    for (var k = 0; k < items.length; k++) { items[k].className = k === p.hitIndex ? 'current' : ''; }
    seek(p.hits[p.hitIndex].t);
  }
  document.getElementById('tp-next-hit').addEventListener('click', function () { showHit(p.hitIndex + 1); });
  document.getElementById('tp-search').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var q = document.getElementById('tp-q').value, out = document.getElementById('tp-hits'), st = document.getElementById('tp-search-status');
    getJSON(api + 'search?q=' + encodeURIComponent(q)).then(function (answer) {
      while (out.firstChild) { out.removeChild(out.firstChild); }
      p.hits = answer.hits; p.hitIndex = -1;
      answer.hits.forEach(function (h) {
        var li = document.createElement('li'), mark = document.createElement('mark');
        li.setAttribute('data-t', String(h.t));
        mark.textContent = h.match;
        li.appendChild(document.createTextNode(clock(h.t) + '  ' + h.before));
        li.appendChild(mark);
        li.appendChild(document.createTextNode(h.after));
        out.appendChild(li);
      });
      st.textContent = answer.hits.length + ' hit' + (answer.hits.length === 1 ? '' : 's') +
        (answer.pending ? '; this recording\'s text is not indexed yet, so some may be missing' : '') + '.';
      if (answer.hits.length) { showHit(0); }
    }, function (e) { st.textContent = e.message; });
  });
  document.addEventListener('keydown', function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var handled = true;
    switch (ev.key) {
      case ' ': p.playing ? pause() : play(); break;
      case '.': step(); break;
      case '[': seekIndicator(-1); break;
      case ']': seekIndicator(1); break;
      case '+': case '=': p.speedIndex = Math.min(speeds.length - 1, p.speedIndex + 1); update(); break;
      case '-': case '_': p.speedIndex = Math.max(0, p.speedIndex - 1); update(); break;
      case 'ArrowLeft': seek(p.position - 5000000); break;
      case 'ArrowRight': seek(p.position + 5000000); break;
      case 'End': seek(p.duration).then(function () { if (p.state === 'live') { play(); } }); break;
      default: handled = false;
    }
    if (handled) { ev.preventDefault(); }
  });

  window.psrecPlayer = {
    state: function () {
      var core = term._core;
      return { ready: !!p.segment && !p.fetching && p.inFlight === 0 && !(core && core.writeBuffer && core.writeBuffer.length),
               positionMicros: p.position, durationMicros: p.duration, playing: p.playing, speed: speed(),
               state: p.state, columns: term.cols, rows: term.rows, bytesFetched: p.bytesFetched, error: p.error,
               segmentFrom: p.segment ? p.segment.from : null, seeks: p.seeking };
    },
    screenText: function () {
      var buffer = term._core.buffer, lines = [];
      for (var y = 0; y < term.rows; y++) { lines.push(buffer.translateBufferLineToString(buffer.ybase + y, true)); }
      return lines;
    },
    seek: function (micros) { return seek(micros); },
    play: play,
    pause: pause
  };

  getJSON(api + 'index').then(function (idx) {
    takeIndex(idx);
    var first = deepLink !== '' && deepLink !== null ? Number(deepLink) : (idx.state === 'live' ? idx.durationMicros : 0);
    return seek(first).then(function () {
      // What Benchmarks/run measures the opening by: the first moment is on the screen.
      performance.mark('psrec-first-frame');
      if (idx.state === 'live' || idx.state === 'interrupted') { setTimeout(poll, 1000); }
      if (idx.state === 'live' && deepLink === '') { p.followLive = true; play(); }
      else if (!idx.keyframesBuilt) { setTimeout(poll, 1000); }
    });
  }, function (e) { p.error = e.message; say(e.message); });
})();
"""#
}
