import assert from 'node:assert/strict';
import { badgeLabel, badgeVouchesFor, publicBadge } from '../models/badges.ops.ts';

describe('badge labels', () => {
  it('names residence, district and age bracket in French by default', () => {
    assert.equal(
      badgeLabel({ disclosed: { resident_of: 'Parvis', district: 'Centre', age_range: '30-39' } }),
      'Résident·e vérifié·e — quartier Centre — 30–39 ans',
    );
  });

  it('says "65 ans et plus" for the open last bracket and "Âge vérifié" without residence', () => {
    assert.equal(badgeLabel({ disclosed: { age_range: '65+' } }, 'fr'), 'Âge vérifié — 65 ans et plus');
  });

  it('speaks English on request', () => {
    assert.equal(
      badgeLabel({ disclosed: { resident_of: 'Parvis', district: 'Gare' } }, 'en'),
      'Verified resident — Gare district',
    );
    assert.equal(badgeLabel({ disclosed: { age_range: '18-24' } }, 'en'), 'Verified age — aged 18–24');
  });

  it('labels a listed badge view the same way as a stored badge', () => {
    assert.equal(
      badgeLabel({ residentOf: 'Parvis', district: 'Centre', ageRange: '30-39' }),
      badgeLabel({ disclosed: { resident_of: 'Parvis', district: 'Centre', age_range: '30-39' } }),
    );
  });
});

describe('public badges', () => {
  const view = {
    id: 'a2f9c1de-0000-4000-8000-000000000000',
    issuerName: 'Ville de Parvis',
    issuerUrl: 'https://id.parvis.example',
    label: 'Résident·e vérifié·e — quartier Les Prés',
    residentOf: 'Parvis',
    district: 'Les Prés',
    expiresAt: new Date('2027-02-14T00:00:00Z'),
  };

  it('keep only the month of expiry', () => {
    const shown = publicBadge(view);
    assert.equal(shown.expiresMonth, '2027-02');
    assert.equal('expiresAt' in shown, false);
  });

  it('vouch for a declared district of the same name, ignoring case and accents, and for no other', () => {
    assert.equal(badgeVouchesFor([view], 'les pres'), true);
    assert.equal(badgeVouchesFor([view], 'Les Prés '), true);
    assert.equal(badgeVouchesFor([view], 'Centre'), false);
    assert.equal(badgeVouchesFor([{ ...view, district: undefined }], 'Les Prés'), false);
    assert.equal(badgeVouchesFor([], 'Les Prés'), false);
  });
});
