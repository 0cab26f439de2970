/*! civicbot chat widget. Embed with one tag:
  <script src="https://HOST/widget.js" async></script>
  Optional attributes: data-title, data-accent (a CSS colour), data-locale (zh-TW | en),
  data-position (right | left), data-greeting, data-timeout (seconds an answer may take
  in all, default 60; heartbeats do not extend it).
  Everything lives in one Shadow DOM; the only global is window.civicbot {open, close}.
  Server text is only ever set as text (textContent, text nodes, built <a> elements). */
(function () {
  'use strict';
  var w = window, d = document;
  if (w.civicbot) return; // loaded twice
  var me = d.currentScript || d.querySelector('script[src*="/widget.js"]');
  if (!me || !me.src) return;
  var src = me.src, ds = me.dataset, MAX = 1000, KEEP = 20;
  // The whole answer's deadline, past the server's own (LLM_TIMEOUT + store deadlines).
  var LIMIT = Math.min(600, Math.max(1, parseFloat(ds.timeout) || 60)) * 1000;
  var api = function (p) { return new URL('api/v1/' + p, src).href; };
  var en = /^en/i.test(ds.locale || '');
  var SVG = 'http://www.w3.org/2000/svg';

  var L = en ? {
    lang: 'en', title: 'Medicines & city services', sub: 'Answers cite government open data',
    close: 'Close', fresh: 'New conversation',
    hi: 'Hello! I answer questions about medicines and city services, with the sources. What would you like to know?',
    q: ['A white round pill marked YSP', 'What is in Panadol?', 'I lost my concession EasyCard. What should I do?'],
    label: 'Your question', ph: 'Type your question', send: 'Send',
    src: 'Sources', date: 'Data as of ', nw: ' (opens in a new tab)', you: 'You:', bot: 'Assistant:',
    up: 'Helpful', down: 'Not helpful', thanks: 'Thank you for your feedback!',
    why: 'What could be better? (optional)', fbErr: 'The feedback was not sent. Please try again later.',
    wait: 'Answering…', em: 'Emergency',
    net: 'Cannot connect. Please try again later.',
    busy: 'Many people are asking right now. Please try again in {n} seconds.',
    bad: 'The question could not be sent: ', srv: 'Sorry, the service cannot answer right now. Please try again later, or call 1999.',
    cut: 'The answer was cut off. Please try again.',
    disc: 'From government open data; not a substitute for a doctor or pharmacist. In an emergency call 119.',
    rel: /^(?:You (?:may|might) also (?:mean|ask|want to ask)|Did you mean)/i, photo: 'Pill photo', jump: 'Sources ({n}) and feedback',
    ds: { tfda_drug: 'TFDA drug licence', tfda_myth: 'TFDA myth-busting', tfda_article: 'TFDA health articles', taipei_faq: 'Taipei City FAQ', agency_page: 'Agency web page' }
  } : {
    lang: 'zh-Hant-TW', title: '用藥與市政小幫手', sub: '回答皆附政府開放資料來源',
    close: '關閉', fresh: '開始新對話',
    hi: '您好！我可以回答藥品與市政服務的問題，並附上資料來源。請問想了解什麼？',
    q: ['白色圓形藥丸，上面寫 YSP', '普拿疼的成分是什麼？', '愛心悠遊卡遺失怎麼辦？'],
    label: '您的問題', ph: '請輸入您的問題', send: '送出',
    src: '資料來源', date: '資料日期 ', nw: '（另開新視窗）', you: '您說：', bot: '小幫手：',
    up: '有幫助', down: '沒有幫助', thanks: '謝謝您的回饋！',
    why: '哪裡可以更好？（選填）', fbErr: '回饋未能送出，請稍後再試。',
    wait: '正在回答…', em: '緊急狀況',
    net: '無法連線，請稍後再試',
    busy: '太多人在問了，請 {n} 秒後再試',
    bad: '無法送出這個問題：', srv: '抱歉，系統暫時無法回答，請稍後再試，或撥打 1999 市民熱線。',
    cut: '回答中斷了，請再試一次。',
    disc: '資料來自政府開放資料，不能取代醫師或藥師；緊急狀況請撥 119',
    rel: /^(?:您可能也想問|您是不是想問)/, photo: '外觀照片', jump: '資料來源（{n}）與回饋',
    ds: { tfda_drug: '食藥署藥品許可證', tfda_myth: '食藥署闢謠專區', tfda_article: '食藥好文網', taipei_faq: '臺北市政府常見問答', agency_page: '機關網頁' }
  };
  var title = ds.title || L.title;

  // Icons (Material Design, Apache 2.0). The thumb down is the thumb up turned round.
  var I = {
    chat: 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z',
    x: 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z',
    send: 'M2 21l21-9L2 3v7l15 2-15 2z',
    fresh: 'M17.65 6.35A8 8 0 1 0 19.73 14h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4z',
    up: 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z'
  };

  var STYLE = ':host{all:initial!important;position:fixed!important;z-index:2147483000!important;width:0!important;height:0!important;bottom:0!important;right:0!important;display:block!important;visibility:visible!important}' +
    '*{box-sizing:border-box}[hidden]{display:none!important}' +
    '.w{font:15px/1.55 system-ui,-apple-system,"Segoe UI","Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;color:#1f2328;-webkit-text-size-adjust:100%;text-align:left}' +
    'button,textarea,input{font:inherit;color:inherit;margin:0}button{cursor:pointer;-webkit-appearance:none;appearance:none}' +
    ':focus:not(:focus-visible){outline:none}:focus-visible{outline:3px solid var(--a);outline-offset:2px}' +
    '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}' +
    'svg{width:22px;height:22px;fill:currentColor;display:block;flex:none}' +
    '.bb{position:fixed;bottom:20px;right:20px;width:60px;height:60px;border-radius:50%;border:0;padding:0;background:var(--a);color:#fff;display:flex;align-items:center;justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.3);transition:transform .15s}' +
    '.bb:hover{transform:scale(1.06)}.bb svg{width:28px;height:28px}.bb:focus-visible{outline-offset:3px}' +
    '.p{position:fixed;bottom:92px;right:20px;width:390px;height:700px;max-width:calc(100vw - 40px);max-height:calc(100vh - 112px);display:flex;flex-direction:column;background:#fff;border-radius:16px;overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.28);animation:in .18s ease-out}' +
    '.l .bb{right:auto;left:20px}.l .p{right:auto;left:20px}' +
    '@keyframes in{from{opacity:0;transform:translateY(12px)}}' +
    '.hd{display:flex;align-items:center;gap:4px;padding:12px 8px 12px 16px;background:var(--a);color:#fff}' +
    '.hd div{flex:1;min-width:0}h2{margin:0;font-size:16px;font-weight:700;line-height:1.3}.hd p{margin:2px 0 0;font-size:12px;opacity:.9}' +
    '.ib{width:44px;height:44px;border:0;border-radius:8px;background:transparent;display:flex;align-items:center;justify-content:center;padding:0}.ib:hover{background:rgba(255,255,255,.18)}.hd :focus-visible{outline-color:#fff;outline-offset:-3px}' +
    '.lg{position:relative;flex:1;overflow-y:auto;padding:16px 14px;background:#f4f6f8;display:flex;flex-direction:column;gap:12px;overscroll-behavior:contain}' +
    '.m{max-width:88%;padding:10px 14px;border-radius:14px;overflow-wrap:anywhere;word-break:normal}' +
    '.m p{margin:0 0 8px}.m p:last-child{margin:0}' +
    '.u{align-self:flex-end;background:var(--a);color:#fff;border-bottom-right-radius:4px;white-space:pre-wrap}' +
    '.b{align-self:flex-start;max-width:96%;background:#fff;border:1px solid #dde2e7;border-bottom-left-radius:4px}' +
    '.b a{color:var(--a);text-decoration:underline;text-underline-offset:2px}' +
    '.em{border:2px solid #c62828;background:#fff5f5}.em strong{display:block;color:#b71c1c;margin-bottom:4px}.em a{color:#b71c1c;font-weight:700}' +
    '.er{color:#7a4100;background:#fff4e0;border-radius:8px;padding:6px 10px;margin:6px 0 0}.xe{background:#fff4e0;border-color:#f0c36d}.xe .er{padding:0;margin:0}' +
    '.dt i{display:inline-block;width:7px;height:7px;margin-right:4px;border-radius:50%;background:#8c959f;animation:dt 1s infinite alternate}.dt i:nth-child(2){animation-delay:.2s}.dt i:nth-child(3){animation-delay:.4s}' +
    '@keyframes dt{to{opacity:.25}}' +
    '.sc{margin-top:10px;padding-top:8px;border-top:1px solid #e6e9ec;font-size:13px;line-height:1.45}' +
    'h3{margin:0 0 4px;font-size:12px;font-weight:700;color:#57606a}ol{margin:0;padding-left:20px}li{margin:5px 0}' +
    '.sm{display:block;color:#57606a;font-size:12px}' +
    '.fb{display:flex;align-items:center;gap:6px;flex-wrap:wrap;margin-top:10px}' +
    '.fb button{width:44px;height:44px;border:1px solid #d0d7de;border-radius:8px;background:#fff;color:#57606a;display:flex;align-items:center;justify-content:center;padding:0}' +
    '.fb button svg{width:17px;height:17px}.fb .dn svg{transform:rotate(180deg)}' +
    '.fb button:hover{border-color:var(--a);color:var(--a)}.fb button[aria-pressed=true]{background:var(--a);border-color:var(--a);color:#fff}' +
    '.nt{font-size:12px;color:#1a7f37}.nt.e{color:#8a4b00}' +
    '.cf{display:flex;gap:6px;width:100%}.cf input{flex:1;min-width:0;min-height:44px;border:1px solid #c9d1d9;border-radius:8px;padding:4px 8px;font-size:13px}' +
    '.cf button{width:auto;min-width:44px;padding:0 10px;font-size:13px}' +
    '.ch{display:flex;flex-wrap:wrap;gap:8px}' +
    '.ch button{min-height:44px;min-width:44px;border:1px solid var(--a);color:var(--a);background:#fff;border-radius:999px;padding:6px 12px;font-size:14px;line-height:1.4;text-align:left}' +
    '.ch button:hover{background:#f0f4fa}.ch button:disabled{opacity:.5;cursor:default}' +
    '.ft{border-top:1px solid #e1e5e9;background:#fff;padding:10px 12px 8px}' +
    '.in{display:flex;gap:8px;align-items:flex-end}' +
    'textarea{flex:1;min-width:0;resize:none;border:1px solid #b9c1ca;border-radius:10px;padding:9px 11px;min-height:44px;max-height:128px;line-height:1.45;background:#fff}' +
    'textarea:focus-visible{outline-offset:0;border-color:var(--a)}' +
    '.sd{width:44px;height:44px;border:0;border-radius:50%;background:var(--a);color:#fff;display:flex;align-items:center;justify-content:center;padding:0}.sd:disabled{opacity:.4;cursor:default}' +
    '.mt{display:flex;gap:10px;align-items:flex-start;margin-top:6px;font-size:11.5px;line-height:1.4;color:#57606a}.mt span:first-child{flex:1;text-wrap:balance}.ct{white-space:nowrap}.ct.hi{color:#b71c1c;font-weight:700}' +
    // Photos, related questions, the jump to the sources; on touch screens (or phone
    // widths) links are 44 px targets too.
    '.pf{display:block}.ph{display:block;margin:6px 0;max-width:160px;width:100%;height:auto;min-height:44px;border-radius:8px;border:1px solid #dde2e7;background:#f4f6f8}' +
    '.rq{margin:4px 0 8px}.rq button{font-size:13.5px}' +
    '.jp{display:inline-flex;align-items:center;min-height:44px;min-width:44px;margin:-6px 0 4px;padding:0 4px;border:0;background:none;color:var(--a);font-size:13px;text-decoration:underline;text-underline-offset:2px}' +
    '.sc:focus{outline:none}' +
    '@media (pointer:coarse),(max-width:480px){.sc a,.pl{display:inline-block;min-height:44px;padding:11px 0}.sc li{margin:0}.bd a{display:inline-block;min-width:44px;min-height:44px;padding:10px 0;margin:-10px 0;text-align:center}}' +
    '@media (max-width:480px){.p{inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}.w.o .bb{display:none}textarea,.cf input{font-size:16px}}' +
    '@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}' +
    '@media (forced-colors:active){.bb,.sd,.m{border:1px solid}}';

  // h builds an element; text is always set as text.
  function h(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function icon(p) {
    var s = d.createElementNS(SVG, 'svg'), q = d.createElementNS(SVG, 'path');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    q.setAttribute('d', p);
    s.append(q);
    return s;
  }
  function btn(cls, label, ic, text) {
    var b = h('button', cls, text);
    b.type = 'button';
    if (label) b.setAttribute('aria-label', label);
    if (ic) b.append(icon(ic));
    return b;
  }
  // web returns the URL as an absolute http(s) URL, or null: nothing else becomes a link.
  function web(u) {
    try {
      var x = new URL(String(u));
      return x.protocol === 'http:' || x.protocol === 'https:' ? x.href : null;
    } catch (e) { return null; }
  }
  function link(href, text) {
    var a = h('a', 0, text);
    a.href = href;
    if (href[0] === 'h') {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.append(h('span', 'sr', L.nw));
    }
    return a;
  }
  function rid() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  // Storage: the session ID and the last KEEP messages, per API host.
  var KEY = 'civicbot:' + new URL(src).host, st = {};
  try { st = JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { /* storage blocked */ }
  var sid = typeof st.sid === 'string' && /^[\w.-]{8,128}$/.test(st.sid) ? st.sid : rid();
  var msgs = (Array.isArray(st.msgs) ? st.msgs : []).filter(function (m) {
    return m && (m.r === 'u' || m.r === 'b') && typeof m.t === 'string';
  }).slice(-KEEP);
  function save() {
    try {
      localStorage.setItem(KEY, JSON.stringify({ sid: sid, msgs: msgs.slice(-KEEP) }, function (k, v) {
        return k === 'el' ? undefined : v;
      }));
    } catch (e) { /* storage full or blocked: the conversation still works */ }
  }

  // Answer text: paragraphs at blank lines, <br> at single ones, http(s) URLs as links
  // and, in an emergency answer, the help-line numbers as tel: links.
  // Phone numbers: the output check lets an answer carry only the numbers of its
  // sources and the help lines, so every number written as one becomes a tel: link;
  // three- and four-digit numbers only when they are help lines.
  var URLS = 'https?://[^\\s<>"\'，。、；！？」』）】]+',
    TEL = '(?<![\\d-])(?:\\(0\\d{1,2}\\)\\s?\\d{3,4}-?\\d{4}|0\\d{1,3}-\\d{3,4}-\\d{3,4}|(?!(?:19|20)\\d\\d-(?:19|20))\\d{3,4}-\\d{4}|09\\d{2}-?\\d{3}-?\\d{3}|119|110|113|165|1919|1925|1955|1957|1999)(?![\\d-])';
  // wide shows full-width ASCII letters and digits of the data (ＳＴＲＥＳＳ, ５００) in
  // their ordinary width; the record itself is unchanged.
  function wide(t) {
    return String(t).replace(/[０-９Ａ-Ｚａ-ｚ]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); });
  }
  function inline(p, line, tel) {
    var re = new RegExp(URLS + (tel ? '|' + TEL : ''), 'g'), i = 0, m, s, u;
    while ((m = re.exec(line))) {
      s = m[0];
      if (s[0] === 'h') {
        s = s.replace(/[.,;:!?)\]'"]+$/, '');
        u = web(s);
      } else u = 'tel:' + s.replace(/\D/g, '');
      if (!u || !s) continue;
      p.append(line.slice(i, m.index), link(u, u[0] === 'h' ? short(s) : s));
      i = m.index + s.length;
      re.lastIndex = i;
    }
    p.append(line.slice(i));
  }
  function short(u) {
    u = u.replace(/^https?:\/\//, '');
    return u.length > 42 ? u.slice(0, 40) + '…' : u;
  }
  // text renders an answer. With pics (a map of photo URL → alt text from the
  // sources) a line that is only a label and a photo's URL becomes the photo; with
  // ask, the lines after 您可能也想問 become buttons that ask them.
  function text(el, t, tel, pics, ask) {
    el.textContent = '';
    wide(t).split(/\n\s*\n/).forEach(function (para) {
      para = para.replace(/^\n+|\n+$/g, '');
      if (!para.trim()) return;
      var p = h('p'), rq = null, blk = true; // blk: what came before ends its own line
      para.split('\n').forEach(function (ln) {
        var x = /^\s*[^\s:：]{0,12}[:：]\s*(https?:\/\/\S+)\s*$/.exec(ln), q = /^\s*•\s*(.+?)\s*$/.exec(ln);
        if (rq && q) {
          rq.append(chip(q[1], ask));
          return;
        }
        if (rq) { p.append(rq); rq = null; blk = true; }
        if (!blk) p.append(h('br'));
        blk = false;
        if (ask && L.rel.test(ln.trim())) {
          p.append(ln);
          rq = h('div', 'ch rq');
        } else if (pics && x && Object.prototype.hasOwnProperty.call(pics, x[1])) {
          var f = h('span', 'pf');
          f.append(photo(x[1], pics[x[1]]));
          p.append(f);
          blk = true;
        } else inline(p, ln, tel);
      });
      if (rq) p.append(rq);
      el.append(p);
    });
  }
  function chip(q, ask) {
    var c = btn(0, 0, 0, q);
    c.onclick = function () { ask(q); };
    return c;
  }
  // photo is a pill's photo, loaded when scrolled to; where it cannot load (no
  // network, a host page's CSP) a labelled link to it takes its place.
  function photo(u, alt) {
    var img = h('img', 'ph'), href = web(u);
    img.alt = alt;
    img.loading = 'lazy';
    img.decoding = 'async';
    img.referrerPolicy = 'no-referrer';
    img.onerror = function () {
      var a = link(href, L.photo);
      a.className = 'pl';
      a.title = alt;
      a.insertBefore(h('span', 'sr', alt + ' '), a.firstChild);
      img.replaceWith(a);
    };
    if (href) img.src = href; else setTimeout(img.onerror);
    return img;
  }

  // The DOM.
  var host = d.createElement('civicbot-widget');
  var root = host.attachShadow({ mode: 'open' });
  if (root.adoptedStyleSheets && w.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
  } else root.append(h('style', 0, STYLE));

  var W = h('div', 'w' + (/^left$/i.test(ds.position || '') ? ' l' : ''));
  W.lang = L.lang;
  W.style.setProperty('--a', ds.accent && w.CSS && CSS.supports('color', ds.accent) ? ds.accent : '#1d5bbf');

  var B = btn('bb', title, I.chat);
  B.setAttribute('aria-expanded', 'false');
  B.setAttribute('aria-haspopup', 'dialog');
  B.setAttribute('aria-controls', 'cb-p');

  var P = h('div', 'p');
  P.id = 'cb-p';
  P.hidden = true;
  P.setAttribute('role', 'dialog');
  P.setAttribute('aria-modal', 'true');
  P.setAttribute('aria-labelledby', 'cb-t');

  var hd = h('div', 'hd'), hx = h('div'), ht = h('h2', 0, title);
  ht.id = 'cb-t';
  hx.append(ht, h('p', 0, L.sub));
  var bFresh = btn('ib', L.fresh, I.fresh), bClose = btn('ib', L.close, I.x);
  bFresh.title = L.fresh;
  bClose.title = L.close;
  hd.append(hx, bFresh, bClose);

  var LG = h('div', 'lg');
  LG.setAttribute('role', 'log');
  LG.setAttribute('aria-live', 'polite');
  LG.setAttribute('aria-labelledby', 'cb-t');
  LG.tabIndex = 0; // scrollable by keyboard

  var ft = h('div', 'ft'), form = h('form', 'in'), lab = h('label', 'sr', L.label), ta = h('textarea');
  ta.id = 'cb-q';
  lab.htmlFor = 'cb-q';
  ta.rows = 1;
  ta.maxLength = MAX;
  ta.placeholder = L.ph;
  ta.setAttribute('aria-describedby', 'cb-c');
  var bSend = btn('sd', L.send, I.send);
  bSend.type = 'submit';
  bSend.disabled = true;
  var mt = h('div', 'mt'), ct = h('span', 'ct', '0/' + MAX);
  ct.id = 'cb-c';
  mt.append(h('span', 0, L.disc), ct);
  form.append(lab, ta, bSend);
  ft.append(form, mt);
  P.append(hd, LG, ft);
  W.append(P, B);
  root.append(W);

  // The conversation.
  var busy = false, chips, pin = -1;
  // settle scrolls the last question to the top of the log, or to the end when all
  // of it fits, so that a long answer is read from its start. It leaves alone a log
  // the visitor has scrolled since (pin remembers where it put it).
  function settle(force) {
    if (!force && Math.abs(LG.scrollTop - pin) > 4) return;
    var us = LG.querySelectorAll('.u'), q = us[us.length - 1], end = LG.scrollHeight - LG.clientHeight;
    LG.scrollTop = q ? Math.min(end, q.offsetTop - 12) : end;
    pin = LG.scrollTop;
  }

  function greet() {
    LG.textContent = '';
    var g = h('div', 'm b');
    text(g, ds.greeting || L.hi);
    LG.append(g);
    chips = null;
    if (!msgs.length) {
      chips = h('div', 'ch');
      L.q.forEach(function (q) { chips.append(chip(q, ask)); });
      LG.append(chips);
    }
    msgs.forEach(function (m) { show(m); });
  }

  function show(m) {
    m.el = h('div', 'm ' + m.r);
    if (m.r === 'u') m.el.append(h('span', 'sr', L.you), m.t);
    else paint(m);
    LG.append(m.el);
  }

  function paint(m) {
    var el = m.el, emg = m.m === 'emergency', bd = h('div', 'bd');
    el.className = 'm b' + (emg ? ' em' : '') + (m.e && !m.t ? ' xe' : '');
    el.textContent = '';
    el.append(h('span', 'sr', L.bot));
    if (emg) el.append(h('strong', 0, L.em));
    var pics = {}, list = Array.isArray(m.s) ? m.s : [];
    list.forEach(function (s) {
      (s && Array.isArray(s.images) ? s.images : []).forEach(function (i) {
        if (i && web(i.url)) pics[i.url] = wide(i.alt || L.photo);
      });
    });
    text(bd, m.t, true, pics, m.id && !busy && ask);
    var sc = list.length && sources(list);
    if (sc && m.id) {
      // A long card pushes the sources and 👍/👎 below the fold on a phone: a line
      // at the top jumps to them.
      var jp = btn('jp', 0, 0, L.jump.replace('{n}', sc.querySelectorAll('li').length) + ' ↓');
      jp.onclick = function () {
        var fb = el.querySelector('.fb') || sc;
        fb.scrollIntoView({ block: 'end' });
        if (sc.getBoundingClientRect().top < LG.getBoundingClientRect().top) sc.scrollIntoView({ block: 'start' });
        sc.focus({ preventScroll: true });
      };
      el.append(jp);
    }
    el.append(bd);
    if (m.w && !m.t && !m.e) {
      var dt = h('span', 'dt');
      dt.append(h('i'), h('i'), h('i'), h('span', 'sr', L.wait));
      el.append(dt);
    }
    if (m.e) el.append(h('p', 'er', m.e));
    if (sc) el.append(sc);
    if (m.id) el.append(rating(m));
  }

  function sources(list) {
    var box = h('div', 'sc'), ol = h('ol');
    box.tabIndex = -1;
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', L.src);
    box.append(h('h3', 0, L.src), ol);
    list.forEach(function (s) {
      if (!s || typeof s !== 'object') return;
      var li = h('li'), u = web(s.url), t = wide(s.title || s.key || s.url || s.dataset || '');
      li.append(u ? link(u, t) : h('span', 0, t));
      var meta = [L.ds[s.dataset] || s.dataset, s.snapshot && L.date + s.snapshot].filter(Boolean).join(' · ');
      if (meta) li.append(h('span', 'sm', meta));
      ol.append(li);
    });
    return box;
  }

  function rating(m) {
    var bar = h('div', 'fb'), nt = h('span', 'nt'), bs = {};
    ['up', 'down'].forEach(function (r) {
      var b = bs[r] = btn(r === 'up' ? 'up' : 'dn', L[r], I.up);
      b.title = L[r];
      b.setAttribute('aria-pressed', String(m.f === r));
      b.onclick = function () {
        if (m.f === r) return;
        m.f = r;
        bs.up.setAttribute('aria-pressed', String(r === 'up'));
        bs.down.setAttribute('aria-pressed', String(r === 'down'));
        save();
        var old = bar.querySelector('.cf');
        if (old) old.remove();
        send(m, r, '', nt, r === 'down' && function () {
          var f = h('form', 'cf'), inp = h('input');
          inp.maxLength = MAX;
          inp.placeholder = L.why;
          inp.setAttribute('aria-label', L.why);
          f.append(inp, btn(0, 0, 0, L.send));
          f.lastChild.type = 'submit';
          f.onsubmit = function (e) {
            e.preventDefault();
            if (!inp.value.trim()) return;
            send(m, 'down', inp.value.trim(), nt);
            f.remove();
          };
          bar.append(f);
          inp.focus();
        });
      };
      bar.append(b);
    });
    bar.append(nt);
    return bar;
  }

  function send(m, r, comment, nt, then) {
    nt.className = 'nt';
    nt.textContent = '';
    fetch(api('feedback'), {
      method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message_id: m.id, rating: r, comment: comment })
    }).then(function (res) {
      if (!res.ok) throw 0;
      nt.textContent = L.thanks;
      if (then) then();
    }).catch(function () {
      nt.className = 'nt e';
      nt.textContent = L.fbErr;
    });
  }

  function state() {
    bSend.disabled = busy || !ta.value.trim();
    var n = ta.value.length;
    ct.textContent = n + '/' + MAX;
    ct.className = 'ct' + (n > MAX - 100 ? ' hi' : '');
    ct.hidden = !n;
    if (chips) Array.prototype.forEach.call(chips.children, function (c) { c.disabled = busy; });
  }

  // why turns a failed response into the sentence a visitor reads.
  async function why(res) {
    var msg = '';
    try { msg = String((await res.json()).error || ''); } catch (e) { /* not JSON */ }
    if (res.status === 429) {
      var ra = res.headers.get('Retry-After') || '', n = parseInt(ra, 10);
      if (isNaN(n) && ra) n = Math.ceil((Date.parse(ra) - Date.now()) / 1000);
      if (isNaN(n)) n = parseInt((msg.match(/\d+/) || [])[0], 10);
      return L.busy.replace('{n}', Math.max(1, n || 30));
    }
    if (res.status >= 400 && res.status < 500 && msg) return L.bad + msg;
    return L.srv;
  }

  // events reads a Server-Sent Events body and calls on(name, data) for each event.
  async function events(res, on) {
    var rd = res.body.getReader(), dec = new TextDecoder(), buf = '', ev = '', data = [];
    for (;;) {
      var r = await rd.read();
      buf += r.done ? dec.decode() : dec.decode(r.value, { stream: true });
      var lines = buf.split('\n');
      buf = r.done ? '' : lines.pop();
      if (r.done) lines.push('');
      for (var i = 0; i < lines.length; i++) {
        var ln = lines[i].replace(/\r$/, ''), c = ln.indexOf(':');
        if (!ln) {
          if (data.length) on(ev || 'message', data.join('\n'));
          ev = '';
          data = [];
        } else if (c !== 0) {
          var f = c < 0 ? ln : ln.slice(0, c), v = c < 0 ? '' : ln.slice(c + 1).replace(/^ /, '');
          if (f === 'event') ev = v;
          else if (f === 'data') data.push(v);
        }
      }
      if (r.done) return;
    }
  }

  async function ask(q) {
    q = String(q).trim().slice(0, MAX);
    if (!q || busy) return;
    busy = true;
    if (chips) { chips.remove(); chips = null; }
    var u = { r: 'u', t: q }, m = { r: 'b', t: '', s: [], w: 1 }, done = false, ctl = new AbortController(), late = false;
    // One deadline for the whole answer: a stuck server that only sends heartbeats
    // ends in the sorry-call-1999 message, not an endless spinner.
    var timer = setTimeout(function () { late = true; ctl.abort(); }, LIMIT);
    show(u);
    show(m);
    if (ta.value.trim() === q) ta.value = '';
    grow();
    state();
    settle(1);
    LG.setAttribute('aria-busy', 'true');
    function redraw() {
      paint(m);
      settle();
    }
    try {
      var res = await fetch(api('chat'), {
        method: 'POST', credentials: 'omit', signal: ctl.signal,
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ session_id: sid, message: q, locale: en ? 'en' : 'zh-TW' })
      });
      if (!res.ok) m.e = await why(res);
      else if (/json/.test(res.headers.get('Content-Type') || '')) {
        var j = await res.json();
        m.t = String(j.answer || '');
        m.s = j.sources || [];
        m.id = j.message_id;
        m.m = j.mode;
        done = true;
      } else {
        await events(res, function (ev, raw) {
          var x;
          try { x = JSON.parse(raw) || {}; } catch (e) { return; }
          if (ev === 'delta') m.t += String(x.text || '');
          else if (ev === 'reset') m.t = '';
          else if (ev === 'sources') m.s = Array.isArray(x.sources) ? x.sources : [];
          else if (ev === 'done') { m.id = x.message_id; m.m = x.mode; done = true; }
          else if (ev === 'error') m.e = String(x.message || L.srv);
          else return;
          redraw();
        });
        if (!done && !m.e) m.e = L.cut;
      }
    } catch (e) {
      if (!m.e) m.e = late ? L.srv : m.t ? L.cut : L.net;
    }
    clearTimeout(timer);
    m.w = 0;
    busy = false;
    LG.removeAttribute('aria-busy');
    if (done && !m.e) {
      msgs.push(u, m);
      save();
    } else if (!m.t && !ta.value.trim()) ta.value = q; // let the visitor send it again
    redraw();
    grow();
    state();
  }

  function grow() {
    ta.style.height = 'auto';
    ta.style.height = Math.min(ta.scrollHeight + 2, 128) + 'px';
  }

  function open() {
    if (!P.hidden) return;
    P.hidden = false;
    W.classList.add('o');
    B.setAttribute('aria-expanded', 'true');
    B.replaceChildren(icon(I.x));
    settle(1);
    ta.focus();
  }
  function close() {
    if (P.hidden) return;
    P.hidden = true;
    W.classList.remove('o');
    B.setAttribute('aria-expanded', 'false');
    B.replaceChildren(icon(I.chat));
    B.focus();
  }

  B.onclick = function () { if (P.hidden) open(); else close(); };
  bClose.onclick = close;
  bFresh.onclick = function () {
    if (busy) return;
    msgs = [];
    sid = rid();
    save();
    greet();
    ta.focus();
  };
  form.onsubmit = function (e) { e.preventDefault(); ask(ta.value); };
  ta.oninput = function () { grow(); state(); };
  ta.onkeydown = function (e) {
    // Enter sends, Shift+Enter is a new line; not while an IME is composing (Chinese input).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      if (!bSend.disabled) ask(ta.value);
    }
  };
  W.addEventListener('keydown', function (e) {
    e.stopPropagation(); // the host page's shortcuts stay out of the widget
    if (P.hidden) return;
    if (e.key === 'Escape' || e.key === 'Esc') {
      e.preventDefault();
      close();
    } else if (e.key === 'Tab') {
      var f = Array.prototype.filter.call(P.querySelectorAll('button,a[href],textarea,input,[tabindex="0"]'), function (x) {
        return !x.disabled && x.getClientRects().length;
      });
      var a = root.activeElement, i = f.indexOf(a), last = f.length - 1;
      if (f.length && (i < 0 || (e.shiftKey ? i === 0 : i === last))) {
        e.preventDefault();
        f[e.shiftKey ? last : 0].focus();
      }
    }
  });

  greet();
  state();
  w.civicbot = { open: open, close: close };
  function mount() { (d.body || d.documentElement).append(host); }
  if (d.body) mount(); else d.addEventListener('DOMContentLoaded', mount);
})();
