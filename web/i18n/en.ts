import type { Messages } from './fr.ts';

/** English: exactly French's keys (the `Messages` type refuses a missing or an extra one). */
export const en: Messages = {
  // Layout and navigation
  'layout.skipLink': 'Skip to content',
  'layout.mainNav': 'Main navigation',
  'layout.languageNav': 'Language',
  'layout.actingAs': 'You are speaking as',
  'layout.switchPersona': 'Switch pseudonym',
  'layout.logout': 'Log out',
  'layout.poweredBy': 'Parvis, a federated civic social network',
  'nav.home': 'Home',
  'nav.districts': 'Districts',
  'nav.personas': 'My pseudonyms',
  'nav.account': 'My account',
  'nav.admin': 'Administration',
  'nav.login': 'Log in',
  'nav.signup': 'Sign up',
  'nav.privacy': 'What others see of you',

  // Forms
  'form.errorSummary': 'The form has errors ({count})',
  'form.errorTitlePrefix': 'Error: {title}',
  'form.colon': ': ',
  'form.invalidField': 'This value is not valid.',
  'form.save': 'Save',
  'form.saved': 'Changes saved.',
  'form.cancel': 'Cancel',
  'field.required': 'This field is required.',
  'field.email': 'E-mail address',
  'field.email.hint': 'You log in with it. Nobody else sees it.',
  'field.email.invalid': 'Enter a valid e-mail address, such as name@example.org.',
  'field.password': 'Password',
  'field.password.hint': 'At least 10 characters.',
  'field.password.invalid': 'The password must be 10 to 200 characters long.',
  'field.currentPassword': 'Current password',
  'field.newPassword': 'New password',
  'field.handle': 'Handle',
  'field.handle.hint': '2 to 30 characters: lowercase letters, digits and _. It cannot be changed later.',
  'field.handle.invalid': 'The handle must be 2 to 30 characters: lowercase letters, digits and _.',
  'field.handle.taken': 'This handle is already taken. Choose another one.',
  'field.displayName': 'Display name',
  'field.displayName.hint': 'A pseudonym or a partial name, such as “Arnaud R.”.',
  'field.displayName.invalid': 'The display name is required (at most 60 characters).',
  'field.bio': 'About',
  'field.bio.hint': 'Optional, at most 500 characters. It is public.',
  'field.bio.invalid': 'The description is at most 500 characters.',
  'field.district': 'District',
  'field.district.hint': 'Declared by you, shown as “not verified”.',
  'field.district.none': 'No district',
  'field.district.unknown': 'Choose a district from the list.',
  'field.indexable': 'Let search engines index this pseudonym',
  'field.indexable.hint': 'Off by default: your page does not show up in search engines.',
  'field.language': 'Interface language',
  'field.language.invalid': 'Choose French or English.',
  'field.instanceName': 'Instance name',
  'field.name.invalid': 'The name is required (at most 100 characters).',
  'field.description': 'Description',
  'field.description.invalid': 'The description is at most 2,000 characters.',
  'field.districtName': 'District name',
  'field.slug': 'District identifier',
  'field.slug.hint': 'Used in addresses: lowercase letters, digits and dashes, such as “old-town”.',
  'field.slug.invalid': 'Use lowercase letters, digits and dashes (at most 60 characters).',
  'field.slug.taken': 'A district already has this identifier.',

  // Home and districts
  'home.you': 'Your active pseudonym',
  'home.viewProfile': 'See your public page',
  'home.join': 'Take part',
  'home.joinText':
    'Follow the projects of your town and your district, and join the debates under one or more pseudonyms.',
  'districts.title': 'Districts',
  'districts.intro': 'The districts of this instance’s territory.',
  'districts.none': 'No district has been defined yet.',

  // Sign-up and login
  'signup.title': 'Sign up',
  'signup.intro':
    'Your account stays private. You take part under pseudonyms that nobody can link to each other or to your e-mail address.',
  'signup.firstPersona': 'Your first pseudonym',
  'signup.firstPersonaHint': 'You can create more later.',
  'signup.submit': 'Create my account',
  'signup.haveAccount': 'Already have an account?',
  'signup.emailTaken': 'An account already uses this address. Log in instead.',
  'login.title': 'Log in',
  'login.submit': 'Log in',
  'login.noAccount': 'No account yet?',
  'login.invalid': 'Wrong e-mail address or password.',
  'login.suspended': 'This account is suspended.',
  'login.tooMany': 'Too many login attempts. Try again in a few minutes.',

  // Account
  'account.title': 'My account',
  'account.login': 'Login',
  'account.role': 'Role',
  'account.emailPrivate': 'Your e-mail address appears on this page only. None of your pseudonyms shows it.',
  'account.languageTitle': 'Language',
  'account.passwordTitle': 'Change password',
  'account.changePassword': 'Change password',
  'account.wrongPassword': 'The current password is wrong.',
  'role.resident': 'Resident',
  'role.agent': 'Agent',
  'role.moderator': 'Moderator',
  'role.admin': 'Administrator',

  // Personas
  'personas.title': 'My pseudonyms',
  'personas.intro':
    'Each pseudonym has its own public page. Nobody can tell that two pseudonyms belong to the same account.',
  'personas.listTitle': 'Your pseudonyms',
  'personas.active': 'active',
  'personas.viewPublic': 'Public page',
  'personas.edit': 'Edit',
  'personas.delete': 'Delete',
  'personas.makeActive': 'Use this pseudonym',
  'personas.createTitle': 'Create a pseudonym',
  'personas.create': 'Create the pseudonym',
  'personas.tooMany': 'You have reached the maximum number of pseudonyms.',
  'personas.editTitle': 'Edit @{handle}',
  'personas.editIntro': 'The handle stays the same; the display name, description and district can change.',
  'personas.back': 'Back to my pseudonyms',
  'personas.deleteTitle': 'Delete @{handle}',
  'personas.deleteWarning':
    'The pseudonym and its content will be deleted, and federated servers will be told. The handle can never be used again. This cannot be undone.',
  'personas.deleteConfirm': 'Delete @{handle} for good',
  'personas.lastPersona': 'You cannot delete your last pseudonym.',
  'personas.created': 'Pseudonym created.',
  'personas.updated': 'Pseudonym updated.',
  'personas.deleted': 'Pseudonym deleted.',
  'personas.switched': 'Active pseudonym changed.',

  // Public pages
  'profile.district': 'Declared district',
  'profile.noDistrict': 'Not given',
  'profile.unverified': 'not verified',
  'profile.institutional': 'institutional account',
  'profile.pseudonymNote': 'This is a pseudonym. Parvis never shows who is behind it.',

  // Verified badges
  'badges.title': 'Verified badges',
  'badges.listLabel': 'Verified badges of @{handle}',
  'badges.none': 'No verified badge.',
  'badges.verifiedBy': 'verified by {issuer}',
  'badges.remove': 'Remove',
  'badges.removeTitle': 'Remove a badge from @{handle}',
  'badges.removeWarning':
    'The badge “{label}” will no longer be shown on @{handle}. To get it back, you will have to present a new credential from your wallet.',
  'badges.removeConfirm': 'Remove this badge from @{handle}',
  'badges.removed': 'Badge removed.',
  'badges.request': 'Get a verified badge',
  'badges.requestHint':
    'You will go to your wallet, at the identity service, which will ask for your consent. Parvis receives only what you agree to share, never your identity.',
  'badges.claims': 'Information to ask for',
  'badges.claim.residentOf': 'Residence in the town',
  'badges.claim.district': 'District',
  'badges.claim.ageRange': 'Age range',
  'badges.added': 'Verified badge added.',
  'badges.error.noClaim': 'Tick at least one piece of information to ask for.',
  'badges.error.declined': 'You declined to share: no badge was added.',
  'badges.error.requestUsed':
    'This request has expired or was already used: no badge was added. Start again with “Get a verified badge”.',
  'badges.error.credentialUsed':
    'This credential was already used elsewhere: no badge was added. Start again; your wallet will use another one.',
  'badges.error.expired':
    'Your credential has expired: no badge was added. Renew it at the identity service.',
  'badges.error.revoked': 'Your credential was revoked by the identity service: no badge was added.',
  'badges.error.other': 'The credential could not be verified ({code}): no badge was added.',
  'profile.badges': 'Verified badges',
  'profile.verified': 'verified',

  // Administration
  'admin.title': 'Territory administration',
  'admin.instanceTitle': 'The instance',
  'admin.createDistrict': 'Add a district',
  'admin.renameDistrict': 'Save the district',
  'admin.deleteDistrict': 'Delete the district',

  // Errors
  'error.backHome': 'Back to the home page',
  'error.403.title': 'Access denied',
  'error.403.text': 'You do not have the rights needed to see this page.',
  'error.404.title': 'Page not found',
  'error.404.text': 'This page does not exist or has been deleted.',
  'error.500.title': 'Something went wrong',
  'error.500.text': 'The server could not handle your request. Nothing was lost; try again in a moment.',
  'error.csrf.title': 'Form expired',
  'error.csrf.text':
    'This form has expired or did not come from this site. Nothing was saved. Go back, reload the page and try again.',

  // Privacy page
  'privacy.title': 'What others see of you',
  'privacy.intro':
    'Parvis lets you take part under a pseudonym. Here, in plain words, is what other people, other servers and search engines can see, and what they never see.',
  'privacy.toc': 'Contents',
  'privacy.visible.title': 'What is public',
  'privacy.visible.p1':
    'For each of your pseudonyms: its display name, its handle (@name), its description, the district you declared (marked “not verified”) and what you publish with it.',
  'privacy.visible.p2':
    'The verified badges you choose to show on a pseudonym are public too, with the name of the body that issued them.',
  'privacy.private.title': 'What stays private',
  'privacy.private.p1':
    'Your e-mail address appears only on the “My account” page, which only you see. It is on no public page, in no API response and in no document sent to other servers.',
  'privacy.private.p2':
    'Your password is never stored in clear. The instance’s administrators do not know it.',
  'privacy.pseudonyms.title': 'Your pseudonyms are never linked',
  'privacy.pseudonyms.p1':
    'You may have several pseudonyms. No page, API response or federated document says that two pseudonyms belong to the same person. Only you see the list of your pseudonyms.',
  'privacy.search.title': 'No search-engine indexing',
  'privacy.search.p1':
    'People’s pages ask search engines not to index them (a “noindex” tag and an X-Robots-Tag header). You can allow it for a given pseudonym in its settings; it is off by default.',
  'privacy.federation.title': 'What other servers receive',
  'privacy.federation.p1':
    'Parvis is federated: people on other servers (Mastodon, for instance) can follow accounts and reply. Those servers receive a pseudonym’s public profile, the badges it shows and its public posts, never your e-mail address, your account or your other pseudonyms. Our profiles ask them not to make them discoverable or indexable.',
  'privacy.federation.p2':
    'When you delete a post or a pseudonym, we send the deletion to those servers. We cannot guarantee that they apply it.',
  'privacy.badges.title': 'Badges reveal only what you choose',
  'privacy.badges.p1':
    'A trusted third party (the town hall’s desk, for instance) checks once who you are and issues you badges such as “resident of the Centre district” or “aged 30–39”. You choose which attributes to show: never your name, your address or your exact date of birth.',
  'privacy.badges.p2':
    'The trusted third party does not know where or under which pseudonym you use your badges, and each pseudonym gets a different badge, so that they cannot be matched.',
  'privacy.limits.title': 'The limit, honestly',
  'privacy.limits.p1':
    'If the trusted third party and the Parvis instance pooled their data, they could link a badge presentation to a person. Only the per-debate voting tokens stay unlinkable, even then.',
  'privacy.rights.title': 'Your rights',
  'privacy.rights.p1':
    'You can edit or delete a pseudonym at any time under “My pseudonyms”. Exporting your data and deleting your whole account are coming soon.',
};
