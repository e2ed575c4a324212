/**
 * French, the reference catalogue: every other language must have exactly these keys (the
 * type `Messages` enforces it, and test/web.i18n.unit.test.ts checks the keys used in web/).
 * `{name}` placeholders are filled by `t(key, { name })`.
 */
export const fr = {
  // Layout and navigation
  'layout.skipLink': 'Aller au contenu',
  'layout.mainNav': 'Navigation principale',
  'layout.languageNav': 'Langue',
  'layout.actingAs': 'Vous parlez en tant que',
  'layout.switchPersona': 'Changer de pseudonyme',
  'layout.logout': 'Se déconnecter',
  'layout.poweredBy': 'Parvis, réseau social civique fédéré',
  'nav.home': 'Accueil',
  'nav.districts': 'Quartiers',
  'nav.personas': 'Mes pseudonymes',
  'nav.account': 'Mon compte',
  'nav.admin': 'Administration',
  'nav.login': 'Se connecter',
  'nav.signup': 'Créer un compte',
  'nav.privacy': 'Ce que les autres voient de vous',

  // Forms
  'form.errorSummary': 'Le formulaire contient des erreurs ({count})',
  // French puts a no-break space before a colon.
  'form.errorTitlePrefix': 'Erreur\u00a0: {title}',
  'form.colon': '\u00a0: ',
  'form.invalidField': 'Cette valeur n’est pas valide.',
  'form.save': 'Enregistrer',
  'form.saved': 'Modifications enregistrées.',
  'form.cancel': 'Annuler',
  'field.required': 'Ce champ est obligatoire.',
  'field.email': 'Adresse e-mail',
  'field.email.hint': 'Elle sert à vous connecter. Personne d’autre ne la voit.',
  'field.email.invalid': 'Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.',
  'field.password': 'Mot de passe',
  'field.password.hint': 'Au moins 10 caractères.',
  'field.password.invalid': 'Le mot de passe doit contenir entre 10 et 200 caractères.',
  'field.currentPassword': 'Mot de passe actuel',
  'field.newPassword': 'Nouveau mot de passe',
  'field.handle': 'Identifiant',
  'field.handle.hint': 'De 2 à 30 caractères : lettres minuscules, chiffres et _. Il ne pourra plus changer.',
  'field.handle.invalid':
    'L’identifiant doit faire de 2 à 30 caractères : lettres minuscules, chiffres et _.',
  'field.handle.taken': 'Cet identifiant est déjà pris. Choisissez-en un autre.',
  'field.displayName': 'Nom affiché',
  'field.displayName.hint': 'Un pseudonyme ou un nom partiel, par exemple « Arnaud R. ».',
  'field.displayName.invalid': 'Le nom affiché est obligatoire (60 caractères au plus).',
  'field.bio': 'Présentation',
  'field.bio.hint': 'Facultative, 500 caractères au plus. Elle est publique.',
  'field.bio.invalid': 'La présentation fait 500 caractères au plus.',
  'field.district': 'Quartier',
  'field.district.hint': 'Déclaré par vous, affiché comme « non vérifié ».',
  'field.district.none': 'Aucun quartier',
  'field.district.unknown': 'Choisissez un quartier de la liste.',
  'field.indexable': 'Autoriser les moteurs de recherche à référencer ce pseudonyme',
  'field.indexable.hint': 'Désactivé par défaut : votre page n’apparaît pas dans les moteurs de recherche.',
  'field.language': 'Langue de l’interface',
  'field.language.invalid': 'Choisissez le français ou l’anglais.',
  'field.instanceName': 'Nom de l’instance',
  'field.name.invalid': 'Le nom est obligatoire (100 caractères au plus).',
  'field.description': 'Description',
  'field.description.invalid': 'La description fait 2 000 caractères au plus.',
  'field.districtName': 'Nom du quartier',
  'field.slug': 'Identifiant du quartier',
  'field.slug.hint':
    'Utilisé dans les adresses : lettres minuscules, chiffres et tirets, par exemple « centre-ville ».',
  'field.slug.invalid':
    'Utilisez des lettres minuscules, des chiffres et des tirets (60 caractères au plus).',
  'field.slug.taken': 'Un quartier porte déjà cet identifiant.',

  // Home and districts
  'home.you': 'Votre pseudonyme actif',
  'home.viewProfile': 'Voir votre page publique',
  'home.join': 'Participer',
  'home.joinText':
    'Suivez les projets de votre ville et de votre quartier, et prenez part aux débats sous un ou plusieurs pseudonymes.',
  'districts.title': 'Quartiers',
  'districts.intro': 'Les quartiers du territoire de cette instance.',
  'districts.none': 'Aucun quartier n’a encore été défini.',

  // Sign-up and login
  'signup.title': 'Créer un compte',
  'signup.intro':
    'Votre compte reste privé. Vous participez sous des pseudonymes, que personne ne peut relier entre eux ni à votre adresse e-mail.',
  'signup.firstPersona': 'Votre premier pseudonyme',
  'signup.firstPersonaHint': 'Vous pourrez en créer d’autres ensuite.',
  'signup.submit': 'Créer mon compte',
  'signup.haveAccount': 'Vous avez déjà un compte ?',
  'signup.emailTaken': 'Un compte utilise déjà cette adresse. Connectez-vous plutôt.',
  'login.title': 'Se connecter',
  'login.submit': 'Se connecter',
  'login.noAccount': 'Pas encore de compte ?',
  'login.invalid': 'Adresse e-mail ou mot de passe incorrect.',
  'login.suspended': 'Ce compte est suspendu.',
  'login.tooMany': 'Trop de tentatives de connexion. Réessayez dans quelques minutes.',

  // Account
  'account.title': 'Mon compte',
  'account.login': 'Connexion',
  'account.role': 'Rôle',
  'account.emailPrivate':
    'Votre adresse e-mail n’apparaît que sur cette page. Aucun de vos pseudonymes ne la montre.',
  'account.languageTitle': 'Langue',
  'account.passwordTitle': 'Changer de mot de passe',
  'account.changePassword': 'Changer le mot de passe',
  'account.wrongPassword': 'Le mot de passe actuel est incorrect.',
  'role.resident': 'Habitant·e',
  'role.agent': 'Agent·e',
  'role.moderator': 'Modérateur·rice',
  'role.admin': 'Administrateur·rice',

  // Personas
  'personas.title': 'Mes pseudonymes',
  'personas.intro':
    'Chaque pseudonyme a sa propre page publique. Personne ne peut savoir que deux pseudonymes appartiennent au même compte.',
  'personas.listTitle': 'Vos pseudonymes',
  'personas.active': 'actif',
  'personas.viewPublic': 'Page publique',
  'personas.edit': 'Modifier',
  'personas.delete': 'Supprimer',
  'personas.makeActive': 'Utiliser ce pseudonyme',
  'personas.createTitle': 'Créer un pseudonyme',
  'personas.create': 'Créer le pseudonyme',
  'personas.tooMany': 'Vous avez atteint le nombre maximal de pseudonymes.',
  'personas.editTitle': 'Modifier @{handle}',
  'personas.editIntro': 'L’identifiant ne change pas ; le nom affiché, la présentation et le quartier, si.',
  'personas.back': 'Retour à mes pseudonymes',
  'personas.deleteTitle': 'Supprimer @{handle}',
  'personas.deleteWarning':
    'Le pseudonyme et son contenu seront supprimés, et les serveurs fédérés en seront informés. L’identifiant ne pourra plus être utilisé. Cette action est définitive.',
  'personas.deleteConfirm': 'Supprimer définitivement @{handle}',
  'personas.lastPersona': 'Vous ne pouvez pas supprimer votre dernier pseudonyme.',
  'personas.created': 'Pseudonyme créé.',
  'personas.updated': 'Pseudonyme modifié.',
  'personas.deleted': 'Pseudonyme supprimé.',
  'personas.switched': 'Pseudonyme actif changé.',

  // Public pages
  'profile.district': 'Quartier déclaré',
  'profile.noDistrict': 'Non renseigné',
  'profile.unverified': 'non vérifié',
  'profile.institutional': 'compte institutionnel',
  'profile.pseudonymNote': 'Ceci est un pseudonyme. Parvis ne montre jamais qui se trouve derrière.',

  // Verified badges
  'badges.title': 'Badges vérifiés',
  'badges.listLabel': 'Badges vérifiés de @{handle}',
  'badges.none': 'Aucun badge vérifié.',
  'badges.verifiedBy': 'vérifié par {issuer}',
  'badges.remove': 'Retirer',
  'badges.removeTitle': 'Retirer un badge de @{handle}',
  'badges.removeWarning':
    'Le badge « {label} » ne sera plus affiché sur @{handle}. Pour le retrouver, il faudra présenter une nouvelle attestation depuis votre portefeuille.',
  'badges.removeConfirm': 'Retirer ce badge de @{handle}',
  'badges.removed': 'Badge retiré.',
  'badges.request': 'Obtenir un badge vérifié',
  'badges.requestHint':
    'Vous irez sur votre portefeuille, chez le service d’identité, qui vous demandera votre accord. Parvis ne reçoit que les informations que vous acceptez de partager, jamais votre identité.',
  'badges.claims': 'Informations à demander',
  'badges.claim.residentOf': 'Résidence dans la commune',
  'badges.claim.district': 'Quartier',
  'badges.claim.ageRange': 'Tranche d’âge',
  'badges.added': 'Badge vérifié ajouté.',
  'badges.error.noClaim': 'Cochez au moins une information à demander.',
  'badges.error.declined': 'Vous avez refusé le partage : aucun badge n’a été ajouté.',
  'badges.error.requestUsed':
    'Cette demande a expiré ou a déjà servi : aucun badge n’a été ajouté. Recommencez avec « Obtenir un badge vérifié ».',
  'badges.error.credentialUsed':
    'Cette attestation a déjà servi ailleurs : aucun badge n’a été ajouté. Recommencez, votre portefeuille en utilisera une autre.',
  'badges.error.expired':
    'Votre attestation a expiré : aucun badge n’a été ajouté. Renouvelez-la auprès du service d’identité.',
  'badges.error.revoked':
    'Votre attestation a été révoquée par le service d’identité : aucun badge n’a été ajouté.',
  'badges.error.notYours':
    'Ce lien de partage avait été ouvert pour le profil de quelqu’un d’autre : aucun badge n’a été ajouté, ni chez vous ni chez lui. Ne partagez une attestation qu’à partir de vos propres réglages.',
  'badges.error.other': 'L’attestation n’a pas pu être vérifiée ({code}) : aucun badge n’a été ajouté.',
  'profile.badges': 'Badges vérifiés',
  'profile.verified': 'vérifié',

  // Administration
  'admin.title': 'Administration du territoire',
  'admin.instanceTitle': 'L’instance',
  'admin.createDistrict': 'Ajouter un quartier',
  'admin.renameDistrict': 'Enregistrer le quartier',
  'admin.deleteDistrict': 'Supprimer le quartier',
  'admin.nav': 'Rubriques de l’administration',
  'admin.nav.territory': 'Territoire',
  'admin.nav.instances': 'Autres serveurs',
  'admin.instances.title': 'Serveurs avec lesquels nous fédérons',
  'admin.instances.intro':
    'Après des envois échoués à répétition, un serveur est marqué indisponible : ce que nous lui envoyons attend, et un envoi le teste de nouveau plus tard. « Réessayer maintenant » le teste tout de suite.',
  'admin.instances.filterNav': 'Quels serveurs',
  'admin.instances.all': 'Tous les serveurs',
  'admin.instances.unavailableOnly': 'Serveurs indisponibles seulement',
  'admin.instances.caption':
    'Serveurs avec lesquels cette instance a échangé, et si nos envois leur parviennent',
  'admin.instances.captionUnavailable': 'Serveurs dont les envois sont en attente',
  'admin.instances.none': 'Cette instance n’a encore échangé avec aucun autre serveur.',
  'admin.instances.noneUnavailable': 'Aucun serveur n’est indisponible : tous les envois sont tentés.',
  'admin.instances.server': 'Serveur',
  'admin.instances.software': 'Logiciel',
  'admin.instances.delivery': 'Envois',
  'admin.instances.since': 'Indisponible depuis',
  'admin.instances.dropped': 'Activités abandonnées',
  'admin.instances.blocked': 'Bloqué',
  'admin.instances.action': 'Action',
  'admin.instances.yes': 'Oui',
  'admin.instances.no': 'Non',
  'admin.instances.retry': 'Réessayer maintenant',
  'admin.instances.retried':
    'Les envois vers {domain} sont relancés : un premier envoi teste le serveur, les autres suivent s’il répond.',
  'admin.instances.notHeld': 'Les envois vers {domain} ne sont pas en attente : le serveur est disponible.',
  'admin.instances.badDomain': 'Ce n’est pas un nom de serveur.',
  'admin.delivery.available': 'Disponible',
  'admin.delivery.unavailable': 'Indisponible : envois en attente',
  'admin.delivery.probing': 'En cours de test par un envoi',

  // Posts, timelines and following
  'post.by': 'Message de',
  'post.replies': 'Réponses',
  'post.inReplyTo': 'En réponse à',
  'post.deleted': 'Ce message a été supprimé.',
  'post.edited': 'modifié',
  'post.remote': 'voix du fédivers, non vérifiée',
  'post.followersOnly': 'réservé aux abonné·es',
  'post.counts': '{likes} soutien(s) · {announces} partage(s)',
  'post.replyCount': 'Réponses\u00a0: {count}',
  'post.openThread': 'Voir la discussion',
  'post.openThreadOf': 'du message de {name}',
  'post.replyTo': 'en réponse à un message',
  'post.replyTitle': 'Répondre',
  'post.replySubmit': 'Publier la réponse',
  'post.replyAs': 'Vous répondez en tant que {name} (@{handle}).',
  'post.loginToReply': 'Connectez-vous pour répondre.',
  'post.authorActions': 'Votre message',
  'post.edit': 'Modifier le message',
  'post.editTitle': 'Modifier le message',
  'post.delete': 'Supprimer le message',
  'post.deleteTitle': 'Supprimer ce message\u00a0?',
  'post.deleteWarning':
    'Son texte sera effacé ; les réponses restent à leur place. La suppression est aussi envoyée aux autres serveurs, sans garantie qu’ils l’appliquent.',
  'post.deleteConfirm': 'Oui, supprimer le message',
  'post.back': 'Revenir au message',
  'post.published': 'Message publié.',
  'post.updated': 'Message modifié.',
  'post.removed': 'Message supprimé.',
  'field.content': 'Votre message',
  'field.content.hint': 'Texte simple, {max} caractères au plus.',
  'field.content.empty': 'Écrivez votre message.',
  'field.content.tooLong': 'Le message dépasse {max} caractères.',
  'field.visibility': 'Qui peut le lire',
  'field.visibility.public': 'Tout le monde (public)',
  'field.visibility.followers': 'Mes abonné·es seulement',
  'field.visibility.invalid': 'Choisissez qui peut lire le message.',
  'field.as': 'Publier en tant que',
  'field.as.persona': '{name} (@{handle}, votre pseudonyme actif)',
  'field.as.forbidden': 'Vous ne pouvez pas publier pour ce compte.',
  'composer.title': 'Publier un message',
  'composer.submit': 'Publier',
  'composer.as': 'Vous publiez en tant que {name} (@{handle}).',
  'composer.noPersona': 'Choisissez d’abord un pseudonyme pour publier.',
  'timeline.title': 'Fil public',
  'timeline.intro':
    'Les messages publics de la ville et des voix du fédivers qu’elle suit, du plus récent au plus ancien.',
  'timeline.empty': 'Aucun message pour l’instant.',
  'timeline.pages': 'Pages du fil',
  'timeline.older': 'Messages plus anciens',
  'timeline.newest': 'Revenir aux plus récents',
  'feed.title': 'Mon fil',
  'feed.intro': 'Les messages de votre pseudonyme actif (@{handle}) et ceux des comptes qu’il suit.',
  'feed.empty': 'Rien ici pour l’instant : publiez un message ou suivez des comptes.',
  'feed.link': 'Voir mon fil',
  'feed.noPersona': 'Choisissez un pseudonyme pour voir votre fil.',
  'profile.posts': 'Messages publics',
  'profile.noPosts': 'Aucun message public pour l’instant.',
  'following.title': 'Abonnements',
  'following.intro':
    'Suivez des comptes d’autres serveurs du fédivers (Mastodon, d’autres villes…) : leurs messages arrivent dans votre fil. Les abonnements sont propres à chaque pseudonyme.',
  'following.persona': 'Pseudonyme actif\u00a0: {name} (@{handle}).',
  'following.followers': 'Abonné·es de ce pseudonyme\u00a0: {count}.',
  'following.followTitle': 'Suivre un compte',
  'following.submit': 'Suivre',
  'following.listTitle': 'Comptes suivis',
  'following.none': 'Ce pseudonyme ne suit encore aucun compte.',
  'following.pending': 'en attente d’acceptation',
  'following.unfollow': 'Ne plus suivre {name}',
  'following.followed': 'Abonnement demandé ; il sera actif quand l’autre serveur l’aura accepté.',
  'following.already': 'Vous suivez déjà ce compte.',
  'following.unfollowed': 'Abonnement retiré.',
  'following.link': 'Gérer mes abonnements',
  'following.noPersona': 'Choisissez un pseudonyme pour suivre des comptes.',
  'field.target': 'Compte à suivre',
  'field.target.hint': 'Sous la forme @nom@serveur.exemple, ou l’adresse (URL) du profil.',
  'field.target.invalid': 'Écrivez @nom@serveur ou l’adresse d’un profil.',
  'field.target.notFound':
    'Aucun compte trouvé : le serveur est injoignable ou ce compte n’existe pas. Vérifiez l’adresse et réessayez plus tard.',
  'field.target.notAnActor': 'Cette adresse n’est pas un compte que l’on peut suivre.',
  'field.target.local': 'Ce compte est sur ce serveur-ci.',
  'field.target.blocked': 'Ce serveur est bloqué par l’administration de l’instance.',

  // Errors
  'error.backHome': 'Revenir à l’accueil',
  'error.403.title': 'Accès refusé',
  'error.403.text': 'Vous n’avez pas les droits nécessaires pour voir cette page.',
  'error.404.title': 'Page introuvable',
  'error.404.text': 'Cette page n’existe pas ou a été supprimée.',
  'error.500.title': 'Une erreur est survenue',
  'error.500.text':
    'Le serveur n’a pas pu traiter votre demande. Rien n’a été perdu ; réessayez dans un instant.',
  'error.csrf.title': 'Formulaire expiré',
  'error.csrf.text':
    'Ce formulaire a expiré ou ne vient pas de ce site. Rien n’a été enregistré. Revenez à la page, rechargez-la et réessayez.',

  // Privacy page
  'privacy.title': 'Ce que les autres voient de vous',
  'privacy.intro':
    'Parvis vous laisse participer sous pseudonyme. Voici, en clair, ce que les autres personnes, les autres serveurs et les moteurs de recherche peuvent voir, et ce qu’ils ne voient jamais.',
  'privacy.toc': 'Sommaire',
  'privacy.visible.title': 'Ce qui est public',
  'privacy.visible.p1':
    'Pour chacun de vos pseudonymes : son nom affiché, son identifiant (@nom), sa présentation, le quartier que vous avez déclaré (marqué « non vérifié ») et ce que vous publiez avec lui.',
  'privacy.visible.p2':
    'Les badges vérifiés que vous choisissez d’afficher sur un pseudonyme sont publics aussi, avec le nom de l’organisme qui les a délivrés.',
  'privacy.private.title': 'Ce qui reste privé',
  'privacy.private.p1':
    'Votre adresse e-mail n’apparaît que sur la page « Mon compte », que vous seul·e voyez. Elle ne figure sur aucune page publique, dans aucune réponse de l’API et dans aucun document envoyé à d’autres serveurs.',
  'privacy.private.p2':
    'Votre mot de passe n’est jamais conservé en clair. Les administrateurs de l’instance ne le connaissent pas.',
  'privacy.pseudonyms.title': 'Vos pseudonymes ne sont jamais reliés',
  'privacy.pseudonyms.p1':
    'Vous pouvez avoir plusieurs pseudonymes. Aucune page, aucune réponse de l’API et aucun document fédéré n’indique que deux pseudonymes appartiennent à la même personne. Seul·e vous voyez la liste de vos pseudonymes.',
  'privacy.search.title': 'Pas de référencement par les moteurs de recherche',
  'privacy.search.p1':
    'Les pages des personnes demandent aux moteurs de recherche de ne pas les référencer (balise « noindex » et en-tête X-Robots-Tag). Vous pouvez l’autoriser pour un pseudonyme précis dans ses réglages ; c’est désactivé par défaut.',
  'privacy.federation.title': 'Ce que reçoivent les autres serveurs',
  'privacy.federation.p1':
    'Parvis est fédéré : des personnes d’autres serveurs (par exemple Mastodon) peuvent suivre des comptes et répondre. Ces serveurs reçoivent le profil public d’un pseudonyme, ses badges affichés et ses publications publiques, jamais votre adresse e-mail, votre compte ni vos autres pseudonymes. Nos profils leur demandent de ne pas les rendre découvrables ni indexables.',
  'privacy.federation.p2':
    'Quand vous supprimez une publication ou un pseudonyme, nous envoyons la suppression à ces serveurs. Nous ne pouvons pas garantir qu’ils l’appliquent.',
  'privacy.badges.title': 'Les badges ne révèlent que ce que vous choisissez',
  'privacy.badges.p1':
    'Un tiers de confiance (par exemple l’accueil de la mairie) vérifie une fois qui vous êtes et vous délivre des badges, comme « habitant·e du quartier Centre » ou « 30–39 ans ». Vous choisissez quels attributs montrer : jamais votre nom, votre adresse ou votre date de naissance exacte.',
  'privacy.badges.p2':
    'Le tiers de confiance ne sait pas où ni sous quel pseudonyme vous utilisez vos badges, et chaque pseudonyme reçoit un badge différent, pour qu’on ne puisse pas les rapprocher.',
  'privacy.limits.title': 'La limite, honnêtement',
  'privacy.limits.p1':
    'Si le tiers de confiance et l’instance Parvis mettaient en commun leurs données, ils pourraient relier la présentation d’un badge à une personne. Seuls les jetons de vote propres à chaque débat restent impossibles à relier, même dans ce cas.',
  'privacy.rights.title': 'Vos droits',
  'privacy.rights.p1':
    'Vous pouvez modifier ou supprimer un pseudonyme à tout moment dans « Mes pseudonymes ». L’export de vos données et la suppression de tout le compte arrivent bientôt.',
} as const;

export type MessageKey = keyof typeof fr;
/** What every language's catalogue must be: exactly French's keys, each a string. */
export type Messages = { readonly [K in MessageKey]: string };
