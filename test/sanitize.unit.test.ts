import assert from 'node:assert/strict';
import { sanitizeRemoteHtml } from '../federation/sanitize.ts';

describe('remote HTML sanitiser', () => {
  it('keeps a Mastodon status as it was written: paragraphs, mentions, hashtags and links', () => {
    const html =
      '<p><span class="h-card"><a href="https://m.example/@ana" class="u-url mention">@<span>ana</span></a></span> voir <a href="https://m.example/tags/parc" class="mention hashtag" rel="tag">#<span>parc</span></a><br>ok</p>';
    assert.equal(
      sanitizeRemoteHtml(html),
      '<p><span class="h-card"><a rel="nofollow noopener noreferrer ugc" href="https://m.example/@ana" class="u-url mention">@<span>ana</span></a></span> voir <a rel="nofollow noopener noreferrer ugc" href="https://m.example/tags/parc" class="mention hashtag">#<span>parc</span></a><br />ok</p>',
    );
  });

  it('drops scripts and styles with their content', () => {
    assert.equal(sanitizeRemoteHtml('<p>a<script>alert(1)</script>b<style>p{}</style></p>'), '<p>ab</p>');
    assert.equal(sanitizeRemoteHtml('<svg><script>alert(1)</script></svg>ok'), 'ok');
  });

  it('drops event handlers and inline styles', () => {
    assert.equal(
      sanitizeRemoteHtml('<p onclick="alert(1)" style="color:red">x</p><span onmouseover="x()">y</span>'),
      '<p>x</p><span>y</span>',
    );
  });

  it('keeps only http and https links', () => {
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>',
      'vbscript:x',
      '//evil.example/x',
    ]) {
      const out = sanitizeRemoteHtml(`<a href="${href}">x</a>`);
      assert.ok(!out.includes('href'), `${href} → ${out}`);
    }
    assert.ok(!sanitizeRemoteHtml('<a href="java&#x09;script:alert(1)">x</a>').includes('script:'));
  });

  it('forces rel on links whatever the sender said and drops target', () => {
    assert.equal(
      sanitizeRemoteHtml('<a href="https://x.example" rel="opener" target="_top">x</a>'),
      '<a rel="nofollow noopener noreferrer ugc" href="https://x.example">x</a>',
    );
  });

  it('drops images, iframes, forms and unknown classes', () => {
    assert.equal(sanitizeRemoteHtml('<img src="https://x.example/a.png" onerror="alert(1)">'), '');
    assert.equal(sanitizeRemoteHtml('<iframe src="https://x.example"></iframe>t'), 't');
    assert.equal(sanitizeRemoteHtml('<form action="https://x.example"><input name="a"></form>'), '');
    assert.equal(
      sanitizeRemoteHtml('<span class="mention evil-overlay">a</span>'),
      '<span class="mention">a</span>',
    );
  });

  it('escapes stray markup characters instead of letting them through', () => {
    assert.equal(sanitizeRemoteHtml('<p>1 < 2 & 3 > 2</p>'), '<p>1 &lt; 2 &amp; 3 &gt; 2</p>');
    assert.ok(!sanitizeRemoteHtml('<<script>script>alert(1)<</script>/script>').includes('<script'));
  });

  it('keeps formatting tags and maps b/i to strong/em', () => {
    assert.equal(
      sanitizeRemoteHtml('<blockquote><b>a</b> <i>b</i> <code>c</code></blockquote><ul><li>d</li></ul>'),
      '<blockquote><strong>a</strong> <em>b</em> <code>c</code></blockquote><ul><li>d</li></ul>',
    );
  });
});
