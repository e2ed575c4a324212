// The fictional town the demo fills in. Everything here is invented.
export const DEMO_TOWN = {
  name: 'Belleville-sur-Loire',
  description:
    'Instance de démonstration : une ville fictive, ses quartiers, sa mairie et quelques habitant·es ' +
    'qui débattent des projets publics sous pseudonyme.',
  districts: [
    { slug: 'centre', name: 'Centre', description: 'Hôtel de ville, halles et rues commerçantes.' },
    { slug: 'gare', name: 'Gare', description: 'Autour de la gare et du futur pôle d’échanges.' },
    { slug: 'les-pres', name: 'Les Prés', description: 'Quartier résidentiel au bord de la Loire.' },
    { slug: 'port', name: 'Port', description: 'Anciens quais, ateliers et logements récents.' },
    { slug: 'hauts-de-ville', name: 'Hauts-de-Ville', description: 'Collines, écoles et parc des Tilleuls.' },
  ],
  institutions: [
    {
      handle: 'mairie',
      name: 'Mairie de Belleville-sur-Loire',
      description: 'Compte officiel de la mairie : projets, consultations et réponses aux habitant·es.',
    },
    {
      handle: 'mobilites',
      name: 'Service Mobilités',
      description: 'Transports, pistes cyclables et le projet de tramway.',
    },
  ],
  residents: [
    {
      email: 'camille@demo.parvis.invalid',
      handle: 'camille_b',
      displayName: 'Camille B.',
      district: 'centre',
      bio: 'Cycliste du quotidien, parent d’élève.',
    },
    {
      email: 'arnaud@demo.parvis.invalid',
      handle: 'arnaud_r',
      displayName: 'Arnaud R.',
      district: 'gare',
      bio: 'Commerçant près de la gare.',
    },
    {
      email: 'nour@demo.parvis.invalid',
      handle: 'heron_cendre',
      displayName: 'Héron cendré',
      district: 'les-pres',
      bio: 'Je marche le long des berges tous les matins.',
    },
    {
      email: 'lucie@demo.parvis.invalid',
      handle: 'lucie_m',
      displayName: 'Lucie M.',
      district: 'port',
      bio: '',
    },
    {
      email: 'yann@demo.parvis.invalid',
      handle: 'tilleul',
      displayName: 'Tilleul',
      district: 'hauts-de-ville',
      bio: 'Association des jardins partagés.',
    },
  ],
  posts: [
    {
      by: 'mairie',
      content:
        'Le projet de tramway entre la Gare et les Hauts-de-Ville entre en concertation. Deux tracés sont ' +
        'à l’étude ; vos questions et vos arguments sont les bienvenus ici jusqu’au 31 janvier.',
      replies: [
        {
          by: 'arnaud_r',
          content:
            'Quel calendrier pour les travaux rue de la Gare ? Les commerces craignent des mois de chantier.',
        },
        {
          by: 'camille_b',
          content: 'Le tracé nord dessert les deux collèges : c’est un vrai plus pour les familles.',
        },
        {
          by: 'mobilites',
          content:
            'Les travaux seraient phasés par tronçons de 300 m, avec accès maintenu aux commerces. Un point d’étape public aura lieu en mars.',
        },
      ],
    },
    {
      by: 'mairie',
      content:
        'Parc des Tilleuls : la réunion publique sur le réaménagement aura lieu samedi à 10 h à l’école des Hauts.',
      replies: [
        {
          by: 'tilleul',
          content: 'Merci ! Nous présenterons la proposition d’extension des jardins partagés.',
        },
      ],
    },
    {
      by: 'heron_cendre',
      content: 'Les berges des Prés sont encore inondées ce matin : un cheminement surélevé serait bienvenu.',
      replies: [{ by: 'lucie_m', content: 'Même constat côté Port, le long des anciens quais.' }],
    },
  ],
} as const;

export const DEMO_PASSWORD = 'belleville-demo';
