// graphql-codegen's configuration: typed operations from the server's SDL
// (schema.graphqls at the repository root) and the operations in src/.
// `npm run codegen` writes src/gql/; `npm run codegen:check` fails when the
// committed files differ from what it would write. Both run scripts/codegen.js.

/** @type {import('@graphql-codegen/cli').CodegenConfig} */
export default {
  schema: '../../schema.graphqls',
  documents: ['src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // The schema's DateTime is an RFC 3339 string on the wire.
        scalars: { DateTime: 'string' },
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
      },
    },
  },
};
