import assert from 'node:assert/strict';
import { badgeLabel } from '../models/badges.ops.ts';

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
