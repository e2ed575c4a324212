// Parvis needs Node 22 or newer (Fedify, native type stripping). The repository brings Node 24
// as a devDependency; this guard catches runs that bypass it (e.g. `npm ci --ignore-scripts`).
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(
    `Parvis needs Node.js 22 or newer, but this is ${process.version}.\n` +
      'Run it through npm (npm start, npm test, npm run …) after `npm install`, which brings Node 24 ' +
      'into node_modules/.bin; do not pass --ignore-scripts.',
  );
  process.exit(1);
}
