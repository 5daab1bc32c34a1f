/**
 * The email component's entry to the vendored SPF include chains. The data lives in one place,
 * data/spf/ at the repository root, shared with the policy pack (`email-spf-lookups`); see data/README.md.
 */
export { parseSpfChain, spfChainSchema, SPF_CHAIN_FILES, VENDORED_SPF_CHAINS, vendoredSpfRecords, type SpfChain, type SpfProvider } from "../../../data/spf";
