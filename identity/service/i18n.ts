import type { Request } from 'express';
import { escapeHtml } from './http.ts';

export type Lang = 'fr' | 'en';

const fr = {
  serviceName: 'Service d’identité de la ville',
  operatorLogin: 'Connexion des agents',
  email: 'Adresse électronique',
  password: 'Mot de passe',
  signIn: 'Se connecter',
  signOut: 'Se déconnecter',
  desk: 'Guichet : enregistrer une personne',
  deskHelp: 'Vérifiez les pièces en personne. Aucune copie de document n’est conservée.',
  familyName: 'Nom de famille',
  givenNames: 'Prénoms',
  birthdate: 'Date de naissance',
  district: 'Quartier',
  address: 'Adresse dans la commune',
  record: 'Enregistrer',
  enrolled: 'Inscription enregistrée',
  offerHelp: 'Ouvrez ce lien dans votre portefeuille (valable 15 minutes, une seule fois) :',
  letterTitle: 'Recevoir un code par courrier',
  letterHelp: 'Un code vous sera envoyé par la poste à votre adresse dans la commune.',
  send: 'Demander le courrier',
  letterRequested: 'Demande enregistrée. Vous recevrez un courrier sous quelques jours.',
  confirmTitle: 'Saisir le code reçu par courrier',
  reference: 'Référence du courrier',
  code: 'Code',
  confirm: 'Confirmer',
  mailroom: 'Salle du courrier',
  print: 'Imprimer la lettre',
  noLetters: 'Aucun courrier en attente.',
  letterBody: 'Pour confirmer votre résidence, saisissez ce code sur',
  eid: 'Se connecter avec l’identité numérique nationale',
  error: 'Erreur',
  revokeTitle: 'Révoquer une personne',
  reason: 'Motif',
  movedOut: 'A quitté la commune',
  erased: 'Effacement demandé',
  revoke: 'Révoquer',
  done: 'C’est fait.',
};

const en: typeof fr = {
  serviceName: 'Town identity service',
  operatorLogin: 'Operator sign-in',
  email: 'Email address',
  password: 'Password',
  signIn: 'Sign in',
  signOut: 'Sign out',
  desk: 'Desk: record a person',
  deskHelp: 'Check the documents in person. No copy of any document is kept.',
  familyName: 'Family name',
  givenNames: 'Given names',
  birthdate: 'Date of birth',
  district: 'District',
  address: 'Address in the town',
  record: 'Record',
  enrolled: 'Enrolment recorded',
  offerHelp: 'Open this link in your wallet (valid 15 minutes, once):',
  letterTitle: 'Get a code by post',
  letterHelp: 'A code will be posted to your address in the town.',
  send: 'Request the letter',
  letterRequested: 'Request recorded. You will receive a letter within a few days.',
  confirmTitle: 'Enter the code from your letter',
  reference: 'Letter reference',
  code: 'Code',
  confirm: 'Confirm',
  mailroom: 'Mail room',
  print: 'Print the letter',
  noLetters: 'No letter waiting.',
  letterBody: 'To confirm your residence, enter this code at',
  eid: 'Sign in with the national digital identity',
  error: 'Error',
  revokeTitle: 'Revoke a person',
  reason: 'Reason',
  movedOut: 'Moved out of the town',
  erased: 'Asked to be erased',
  revoke: 'Revoke',
  done: 'Done.',
};

export type Messages = typeof fr;
export const messages: Record<Lang, Messages> = { fr, en };

export function langOf(req: Request): Lang {
  const asked = typeof req.query.lang === 'string' ? req.query.lang : undefined;
  if (asked === 'en' || asked === 'fr') return asked;
  return req.acceptsLanguages('fr', 'en') === 'en' ? 'en' : 'fr';
}

export function page(lang: Lang, title: string, body: string, options: { script?: string } = {}): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${escapeHtml(messages[lang].serviceName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin-top:.8rem}input,select,button{font:inherit;padding:.3rem}button{margin-top:1rem}
.error{color:#a00}@media print{nav,form,button{display:none}}</style>
</head>
<body>
<nav aria-label="Langue / Language"><a href="?lang=fr" lang="fr">Français</a> · <a href="?lang=en" lang="en">English</a></nav>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
${options.script ? `<script type="module" src="${options.script}"></script>` : ''}
</body>
</html>`;
}

export function field(id: string, label: string, input: string): string {
  return `<label for="${id}">${escapeHtml(label)}</label>${input}`;
}
