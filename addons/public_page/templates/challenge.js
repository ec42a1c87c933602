(function () {
  'use strict';
  // The proof of work of the public pages (see public_page/challenge.py):
  // find a counter such that SHA-256(challenge + counter) starts with the
  // challenge's number of zero bits, then send it with the form.

  // SHA-256 of our own, for the pages served over plain HTTP where the
  // browser has no crypto.subtle
  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Int32Array(64);

  // The first 32 bits of the SHA-256 of the bytes (all that the check
  // needs: a difficulty is at most 32 bits)
  function sha256First32(bytes, length) {
    var blocks = ((length + 8) >> 6) + 1;
    var padded = new Uint8Array(blocks * 64);
    padded.set(bytes.subarray(0, length));
    padded[length] = 0x80;
    var bits = length * 8;
    padded[padded.length - 4] = bits >>> 24;
    padded[padded.length - 3] = bits >>> 16;
    padded[padded.length - 2] = bits >>> 8;
    padded[padded.length - 1] = bits;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372,
      h3 = 0xa54ff53a | 0, h4 = 0x510e527f, h5 = 0x9b05688c | 0,
      h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var offset = 0; offset < padded.length; offset += 64) {
      var i, a, b, c, d, e, f, g, h, s0, s1, t1, t2, x, y;
      for (i = 0; i < 16; i++) {
        var j = offset + i * 4;
        W[i] = (padded[j] << 24) | (padded[j + 1] << 16)
          | (padded[j + 2] << 8) | padded[j + 3];
      }
      for (i = 16; i < 64; i++) {
        x = W[i - 15];
        y = W[i - 2];
        s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      a = h0; b = h1; c = h2; d = h3; e = h4; f = h5; g = h6; h = h7;
      for (i = 0; i < 64; i++) {
        s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21))
          ^ ((e >>> 25) | (e << 7));
        t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19))
          ^ ((a >>> 22) | (a << 10));
        t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0;
        d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0;
      h3 = (h3 + d) | 0; h4 = (h4 + e) | 0; h5 = (h5 + f) | 0;
      h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    return h0 >>> 0;
  }

  function leadingZeros(first32, difficulty) {
    return difficulty === 0 || (first32 >>> (32 - difficulty)) === 0;
  }

  function pause() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  // The text of the challenge followed by the counter in decimal, as bytes
  function Message(challenge) {
    this.prefix = new TextEncoder().encode(challenge);
    this.bytes = new Uint8Array(this.prefix.length + 20);
    this.bytes.set(this.prefix);
  }
  Message.prototype.fill = function (counter) {
    var digits = String(counter), length = this.prefix.length;
    for (var i = 0; i < digits.length; i++) {
      this.bytes[length + i] = digits.charCodeAt(i);
    }
    return length + digits.length;
  };

  function solveWithSubtle(subtle, challenge, difficulty) {
    var encoder = new TextEncoder(), batch = 256;
    var counter = 0;
    function round() {
      var digests = [];
      for (var i = 0; i < batch; i++) {
        digests.push(subtle.digest(
          'SHA-256', encoder.encode(challenge + (counter + i))));
      }
      return Promise.all(digests).then(function (hashes) {
        for (var i = 0; i < hashes.length; i++) {
          var view = new DataView(hashes[i]);
          if (leadingZeros(view.getUint32(0), difficulty)) {
            return String(counter + i);
          }
        }
        counter += batch;
        return round();
      });
    }
    return round();
  }

  function solveInScript(challenge, difficulty) {
    var message = new Message(challenge), counter = 0;
    function round() {
      // About 50 ms of work, then the page may answer the visitor
      var started = Date.now();
      while (Date.now() - started < 50) {
        for (var i = 0; i < 1000; i++, counter++) {
          var length = message.fill(counter);
          if (leadingZeros(
              sha256First32(message.bytes, length), difficulty)) {
            return Promise.resolve(String(counter));
          }
        }
      }
      return pause().then(round);
    }
    return round();
  }

  function solve(challenge) {
    var difficulty = parseInt(challenge.split('.')[1], 10);
    var subtle = window.crypto && window.crypto.subtle;
    if (subtle && window.isSecureContext !== false) {
      return solveWithSubtle(subtle, challenge, difficulty).catch(
        function () { return solveInScript(challenge, difficulty); });
    }
    return solveInScript(challenge, difficulty);
  }

  // For the tests: the page's own SHA-256 and solver
  window.publicPageChallenge = {
    sha256First32: function (text) {
      var bytes = new TextEncoder().encode(text);
      return sha256First32(bytes, bytes.length);
    },
    solveInScript: solveInScript,
    solve: solve,
  };

  function setUp(form) {
    var challenge = form.querySelector('input[name=challenge]');
    var proof = form.querySelector('input[name=proof]');
    var status = form.querySelector('.challenge-status');
    var button = form.querySelector('button[type=submit]');
    var solved = false, sending = false;
    form.setAttribute('data-challenge', 'solving');
    var started = Date.now();
    solve(challenge.value).then(function (counter) {
      proof.value = counter;
      solved = true;
      form.setAttribute('data-challenge', 'solved');
      form.setAttribute('data-challenge-ms', String(Date.now() - started));
      if (sending) {
        // Not form.submit: the send button, named "submit", hides it
        HTMLFormElement.prototype.submit.call(form);
      }
    }, function () {
      form.setAttribute('data-challenge', 'failed');
      if (status) {
        status.textContent = status.getAttribute('data-failed');
        status.hidden = false;
      }
    });
    form.addEventListener('submit', function (event) {
      if (sending) {
        // Sent once: a second click would spend nothing but time
        event.preventDefault();
        return;
      }
      if (!form.checkValidity()) {
        return;
      }
      sending = true;
      if (button) {
        button.disabled = true;
      }
      if (!solved) {
        event.preventDefault();
        if (status) {
          status.hidden = false;
        }
      }
    });
  }

  var forms = document.querySelectorAll('form');
  for (var i = 0; i < forms.length; i++) {
    if (forms[i].querySelector('input[name=challenge]')) {
      setUp(forms[i]);
    }
  }
})();
