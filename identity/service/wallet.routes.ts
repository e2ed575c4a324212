import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import type { ServiceContext } from './context.ts';
import { type Lang, langOf, messages, page } from './i18n.ts';

const walletScript = fileURLToPath(new URL('../wallet/wallet.js', import.meta.url));

const text: Record<Lang, Record<string, unknown>> = {
  fr: {
    attributes: 'Vos attributs vérifiés',
    claims: { resident_of: 'Résident·e de', district: 'Quartier', age_range: 'Tranche d’âge' },
    unused: 'Attestations à usage unique disponibles :',
    consent: 'Partager une attestation',
    asks: 'Informations demandées par',
    share: 'Partager',
    decline: 'Refuser',
    tooFew: 'Cette combinaison concerne trop peu de personnes ou est vide : elle ne peut pas être partagée.',
    unknownVerifier: 'Ce site n’est pas autorisé à demander une attestation.',
    foreignOffer: 'Cette offre vient d’un autre émetteur.',
    signedOut:
      'Aucune attestation. Inscrivez-vous au guichet, par courrier ou avec l’identité numérique nationale.',
    danger: 'Effacement',
    erase: 'Effacer mes données et révoquer mes attestations',
    eraseConfirm: 'Effacer définitivement ? Vos badges seront retirés.',
    error: 'Erreur :',
  },
  en: {
    attributes: 'Your verified attributes',
    claims: { resident_of: 'Resident of', district: 'District', age_range: 'Age range' },
    unused: 'Single-use credentials available:',
    consent: 'Share a credential',
    asks: 'Information requested by',
    share: 'Share',
    decline: 'Decline',
    tooFew: 'This combination is empty or describes too few people: it cannot be shared.',
    unknownVerifier: 'This site may not ask for a credential.',
    foreignOffer: 'This offer comes from another issuer.',
    signedOut: 'No credential yet. Enrol at the desk, by post or with the national digital identity.',
    danger: 'Erasure',
    erase: 'Erase my data and revoke my credentials',
    eraseConfirm: 'Erase for good? Your badges will be removed.',
    error: 'Error:',
  },
};

const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function walletRouter(ctx: ServiceContext): Router {
  const router = express.Router();

  router.get('/wallet', (req, res) => {
    const lang = langOf(req);
    const config = {
      issuer: ctx.config.publicUrl,
      batchSize: ctx.config.batchSize,
      verifiers: ctx.config.verifierOrigins,
    };
    // Presentations leave only by a form to a listed verifier: the policy says so too, should
    // the script's own check ever be bypassed.
    const formAction = ["'self'", ...ctx.config.verifierOrigins].join(' ');
    res.set(
      'content-security-policy',
      `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`,
    );
    res.send(
      page(
        lang,
        lang === 'fr' ? 'Mon portefeuille' : 'My wallet',
        `<div id="wallet" aria-live="polite"></div>
<h2>${lang === 'fr' ? 'Se connecter ou s’inscrire' : 'Sign in or enrol'}</h2>
<ul>
${ctx.config.eid ? `<li><a href="/enrol/eid/start">${messages[lang].eid}</a></li>` : ''}
<li><a href="/letter">${messages[lang].letterTitle}</a></li>
<li><a href="/letter/confirm">${messages[lang].confirmTitle}</a></li>
</ul>
<script type="application/json" id="wallet-text">${json(text[lang])}</script>
<script type="application/json" id="wallet-config">${json(config)}</script>
<noscript>${messages[lang].error}: JavaScript</noscript>`,
        { script: '/wallet/wallet.js' },
      ),
    );
  });

  router.get('/wallet/wallet.js', (_req, res) => {
    res.type('text/javascript').sendFile(walletScript);
  });

  return router;
}
