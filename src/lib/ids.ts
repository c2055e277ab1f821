/**
 * Organization ids become part of a database name (`<prefix><org>`), so they are kept to
 * lower-case letters, digits and underscores.
 */
export const ORG_ID = /^[a-z0-9][a-z0-9_]{0,62}$/;
