import assert from 'node:assert/strict';
import { plainText, sanitizeSummary } from '../federation/remote-actors.ts';

describe('remote actor profiles', () => {
  it('a display name is reduced to plain text: tags and scripts go, characters stay as written', () => {
    assert.equal(plainText('Bob <b>&amp;</b> Co <script>alert(1)</script>'), 'Bob & Co');
    assert.equal(
      plainText('&lt;img src=x onerror=alert(1)&gt; "Al" l\'ami'),
      '<img src=x onerror=alert(1)> "Al" l\'ami',
    );
    assert.equal(plainText(`  ${'x'.repeat(500)}  `).length, 200);
  });

  it('a bio keeps text formatting and safe links only', () => {
    const clean = sanitizeSummary(
      '<p onclick="x()">Hi <a href="javascript:alert(1)">bad</a> <a href="https://ok.example">ok</a><img src=x></p><script>x()</script>',
    );
    assert.ok(!clean.includes('onclick'));
    assert.ok(!clean.includes('javascript:'));
    assert.ok(!clean.includes('<img'));
    assert.ok(!clean.includes('<script'));
    assert.match(clean, /<a rel="nofollow noopener noreferrer ugc" href="https:\/\/ok.example">ok<\/a>/);
  });
});
