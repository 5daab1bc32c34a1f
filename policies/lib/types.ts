/**
 * Resource type tokens (provider-reference §0, read from each class's `__pulumiType`) and the shape of
 * their props as policies see them: the provider's own `*Args` with every `Input` unwrapped.
 * Only `import type` here, so loading the pack never loads the provider SDKs.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import type * as scaleway from "@pulumiverse/scaleway";
import type { Unwrap } from "@pulumi/pulumi";

export type Props<A> = Unwrap<NonNullable<A>>;

export const T = {
  cfZoneSetting: ["cloudflare:index/zoneSetting:ZoneSetting"],
  cfDnsRecord: ["cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/record:Record"],
  cfRuleset: ["cloudflare:index/ruleset:Ruleset"],
  cfOriginCaCertificate: ["cloudflare:index/originCaCertificate:OriginCaCertificate"],
  acmeCertificate: ["acme:index/certificate:Certificate"],
  lbIp: ["scaleway:loadbalancers/ip:Ip", "scaleway:index/loadbalancerIp:LoadbalancerIp"],
  scwDomainRecord: ["scaleway:domain/record:Record", "scaleway:index/domainRecord:DomainRecord"],
  lb: ["scaleway:loadbalancers/loadBalancer:LoadBalancer", "scaleway:index/loadbalancer:Loadbalancer"],
  lbBackend: ["scaleway:loadbalancers/backend:Backend", "scaleway:index/loadbalancerBackend:LoadbalancerBackend"],
  lbFrontend: ["scaleway:loadbalancers/frontend:Frontend", "scaleway:index/loadbalancerFrontend:LoadbalancerFrontend"],
  lbAcl: ["scaleway:loadbalancers/acl:Acl", "scaleway:index/loadbalancerAcl:LoadbalancerAcl"],
  lbCertificate: [
    "scaleway:loadbalancers/certificate:Certificate",
    "scaleway:index/loadbalancerCertificate:LoadbalancerCertificate",
  ],
  dbInstance: ["scaleway:databases/instance:Instance", "scaleway:index/databaseInstance:DatabaseInstance"],
  dbAcl: ["scaleway:databases/acl:Acl", "scaleway:index/databaseAcl:DatabaseAcl"],
  instanceGroup: ["scaleway:autoscaling/instanceGroup:InstanceGroup"],
  instanceTemplate: ["scaleway:autoscaling/instanceTemplate:InstanceTemplate"],
  server: ["scaleway:instance/server:Server", "scaleway:index/instanceServer:InstanceServer"],
  container: ["scaleway:containers/container:Container", "scaleway:index/container:Container"],
  containerNamespace: ["scaleway:containers/namespace:Namespace", "scaleway:index/containerNamespace:ContainerNamespace"],
  scalewayProvider: ["pulumi:providers:scaleway"],
} as const;

export type ZoneSettingProps = Props<cloudflare.ZoneSettingArgs>;
export type DnsRecordProps = Props<cloudflare.DnsRecordArgs>;
export type RulesetProps = Props<cloudflare.RulesetArgs>;
export type RulesetRule = NonNullable<RulesetProps["rules"]>[number];
export type OriginCaCertificateProps = Props<cloudflare.OriginCaCertificateArgs>;
/** The fields of `@pulumiverse/acme` `CertificateArgs` the pack reads (written out: the pack does not load that SDK). */
export interface AcmeCertificateProps {
  commonName?: string;
  subjectAlternativeNames?: string[];
}
export type LbIpProps = Props<scaleway.loadbalancers.IpArgs>;
export type LbProps = Props<scaleway.loadbalancers.LoadBalancerArgs>;
export type LbBackendProps = Props<scaleway.loadbalancers.BackendArgs>;
export type LbFrontendProps = Props<scaleway.loadbalancers.FrontendArgs>;
export type LbAclProps = Props<scaleway.loadbalancers.AclArgs>;
export type LbCertificateProps = Props<scaleway.loadbalancers.CertificateArgs>;
export type DbInstanceProps = Props<scaleway.databases.InstanceArgs>;
export type DbAclProps = Props<scaleway.databases.AclArgs>;
export type InstanceGroupProps = Props<scaleway.autoscaling.InstanceGroupArgs>;
export type InstanceTemplateProps = Props<scaleway.autoscaling.InstanceTemplateArgs>;
export type ServerProps = Props<scaleway.instance.ServerArgs>;
export type ContainerProps = Props<scaleway.containers.ContainerArgs>;
export type ContainerNamespaceProps = Props<scaleway.containers.NamespaceArgs>;
export type ScalewayProviderProps = Props<scaleway.ProviderArgs>;

/** Narrow untyped props to a provider's arg shape (props come from the engine, shaped by those args). */
export function as<P>(props: Record<string, unknown>): Partial<P> {
  return props as Partial<P>;
}

/** Lower-case FQDN without trailing dot. */
export function fqdn(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}
