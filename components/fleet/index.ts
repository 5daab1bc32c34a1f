/**
 * The app fleet: a private registry namespace, an autoscaling instance group built from one template that
 * runs the app image pinned by digest, spread by a placement group, on the private network only, attached
 * to the load balancer's backend. Its size comes from the capacity model (./capacity.ts).
 *
 * Why Scaleway Autoscaling rather than a counted set of `instance.Server`: the 1.54 typings have all that
 * is needed (template with cloud-init, private networks, placement and security groups, zero public IPs;
 * group with min/max and load-balancer backend attachment; metric policies), and the group replaces a
 * failed instance and follows the load between the model's minimum and the configured maximum.
 * https://www.scaleway.com/en/docs/autoscaling/
 */
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { capacityTags, capacityVerdict, type CapacityInputs, type CapacityVerdict } from "./capacity";
import { plainAppEnv, renderCloudInit } from "./cloud-init";

export interface FleetArgs {
  /** Zone of the instances (the load balancer's zone). Default: the provider's zone. */
  zone?: pulumi.Input<string>;
  /** Region of the registry namespace. Default: the provider's region. */
  region?: pulumi.Input<string>;
  /** Scaleway project the registry-pull key is scoped to. Required. */
  projectId: pulumi.Input<string>;
  /** Private network the instances join (their only network). Required. */
  privateNetworkId: pulumi.Input<string>;
  /** Subnet of that network: the only source allowed to the app port. Required. */
  privateSubnet: pulumi.Input<string>;
  /** Load balancer and backend the group registers its instances in. Required. */
  loadBalancerId: pulumi.Input<string>;
  backendId: pulumi.Input<string>;
  /** Instance offer. Default "PRO2-S". */
  instanceType?: pulumi.Input<string>;
  /** Block Storage snapshot the boot volume is cloned from. Required. */
  bootSnapshotId: pulumi.Input<string>;
  /** Boot volume size, GB. Default 20. */
  rootVolumeGb?: pulumi.Input<number>;
  /** The app image: registry namespace (created here, private), repository, digest. Required. */
  image: { namespace: pulumi.Input<string>; repository: string; digest: string };
  /** Port the app listens on. Default 8080. */
  appPort?: number;
  /** The app's non-secret settings. */
  app: { mailFrom: string; trustedProxies: string[]; degradedMode?: boolean; logLevel?: string };
  /** The app's secrets: kept secret in the cloud-init. Required. */
  secrets: { databaseUrl: pulumi.Input<string>; smtpUrl: pulumi.Input<string>; adminToken: pulumi.Input<string> };
  /**
   * Capacity model inputs. Plain numbers, not Inputs: the verdict is a plain object the plan shows and
   * the group's min/max are derived from it at program time.
   */
  capacity: CapacityInputs;
  /** Prefix of the Scaleway-side names. Default: the component name. */
  resourceName?: string;
  /** Tags on every resource. Default []. */
  tags?: string[];
}

export class Fleet extends pulumi.ComponentResource {
  public readonly capacity: CapacityVerdict;
  /** `rg.<region>.scw.cloud/<namespace>`: where the deploy workflow pushes the image. */
  public readonly registryEndpoint: pulumi.Output<string>;
  /** The exact image reference the instances run. */
  public readonly imageReference: pulumi.Output<string>;
  public readonly instanceGroupId: pulumi.Output<string>;
  public readonly templateId: pulumi.Output<string>;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("renfort:fleet:Fleet", name, {}, opts);
    const base = args.resourceName ?? name;
    const tags = args.tags ?? [];
    const appPort = args.appPort ?? 8080;
    const child = { parent: this };

    const verdict = capacityVerdict(args.capacity);
    if (!verdict.ok) {
      for (const reason of verdict.reasons) pulumi.log.warn(`capacity: ${reason}`, this);
    }

    const registry = new scaleway.registry.Namespace(
      `${name}-registry`,
      { name: args.image.namespace, isPublic: false, region: args.region, description: "Renfort app images (private; the fleet pulls by digest)" },
      child,
    );
    const imageReference = pulumi.interpolate`${registry.endpoint}/${args.image.repository}@${args.image.digest}`;

    // A dedicated IAM application whose only right is to read this project's registries: the key on the
    // instances cannot push images nor touch anything else. https://www.scaleway.com/en/docs/iam/reference-content/permission-sets/
    const puller = new scaleway.iam.Application(`${name}-registry-puller`, { name: `${base}-registry-puller`, description: "Pulls the app image on fleet instances", tags }, child);
    new scaleway.iam.Policy(
      `${name}-registry-pull-policy`,
      {
        name: `${base}-registry-pull`,
        applicationId: puller.id,
        rules: [{ projectIds: [args.projectId], permissionSetNames: ["ContainerRegistryReadOnly"] }],
        tags,
      },
      child,
    );
    const pullKey = new scaleway.iam.ApiKey(`${name}-registry-pull-key`, { applicationId: puller.id, defaultProjectId: args.projectId, description: "Fleet registry pull (read-only)" }, child);

    const placement = new scaleway.instance.PlacementGroup(
      `${name}-spread`,
      // max_availability puts each instance on a different hypervisor, so a host failure takes one instance.
      { name: `${base}-spread`, policyType: "max_availability", zone: args.zone, tags },
      child,
    );
    // Scaleway security groups filter an instance's public interface only (https://www.scaleway.com/en/docs/vpc/faq/:
    // "Security groups filter public traffic on your Instances"). The instances have none, so this drop-by-default
    // group is a guard should an address ever be attached; it also keeps Scaleway from creating an untracked
    // default group. Private traffic is confined by the private network itself (only our LB, fleet and DB are on it).
    const securityGroup = new scaleway.instance.SecurityGroup(
      `${name}-sg`,
      {
        name: `${base}-app`,
        description: "Drop all inbound on any public interface except the app port from the private subnet",
        zone: args.zone,
        stateful: true,
        inboundDefaultPolicy: "drop",
        outboundDefaultPolicy: "accept",
        inboundRules: [{ action: "accept", protocol: "TCP", port: appPort, ipRange: args.privateSubnet }],
        tags,
      },
      child,
    );

    const cloudInit = pulumi.secret(
      pulumi
        .all([imageReference, args.secrets.databaseUrl, args.secrets.smtpUrl, args.secrets.adminToken, pullKey.secretKey])
        .apply(([image, databaseUrl, smtpUrl, adminToken, registryPassword]) =>
          renderCloudInit({
            image,
            appPort,
            plainEnv: plainAppEnv({
              appPort,
              mailFrom: args.app.mailFrom,
              trustedProxies: args.app.trustedProxies,
              degradedMode: args.app.degradedMode ?? false,
              poolSize: args.capacity.poolSize,
              logLevel: args.app.logLevel ?? "info",
            }),
            secretEnv: { DATABASE_URL: databaseUrl, SMTP_URL: smtpUrl, ADMIN_TOKEN: adminToken },
            registryPassword,
          }),
        ),
    );

    const template = new scaleway.autoscaling.InstanceTemplate(
      `${name}-template`,
      {
        name: `${base}-app`,
        zone: args.zone,
        commercialType: args.instanceType ?? "PRO2-S",
        volumes: [{ name: "root", volumeType: "sbs", boot: true, fromSnapshot: { snapshotId: args.bootSnapshotId, size: args.rootVolumeGb ?? 20 }, perfIops: 5000 }],
        // No public address: the instances are reached only through the load balancer on the private
        // network, and reach out only through the NAT gateway.
        publicIpsV4Count: 0,
        publicIpsV6Count: 0,
        privateNetworkIds: [args.privateNetworkId],
        placementGroupId: placement.id,
        securityGroupId: securityGroup.id,
        cloudInit,
        tags: [...tags, "renfort-app"],
      },
      child,
    );

    // The API refuses min > max; the verdict (not ok, with the reason) is what the plan and the gate show.
    const minReplicas = Math.min(verdict.minInstances, verdict.maxInstances);
    const group = new scaleway.autoscaling.InstanceGroup(
      `${name}-group`,
      {
        name: `${base}-app`,
        zone: args.zone,
        templateId: template.id,
        capacities: [{ minReplicas, maxReplicas: verdict.maxInstances, cooldownDelay: 300 }],
        loadBalancers: [{ id: args.loadBalancerId, backendIds: [args.backendId], privateNetworkId: args.privateNetworkId }],
        deleteServersOnDestroy: true,
        tags: [...tags, ...capacityTags(verdict)],
      },
      child,
    );

    // CPU is the first resource an app instance runs out of at signup load (load campaign); scale out
    // early and in slowly. The group never goes below the model's minimum.
    new scaleway.autoscaling.InstancePolicy(
      `${name}-scale-out`,
      {
        name: `${base}-scale-out`,
        zone: args.zone,
        instanceGroupId: group.id,
        action: "scale_up",
        type: "flat_count",
        value: 2,
        priority: 1,
        metrics: [{ name: "cpu-high", managedMetric: "managed_metric_instance_cpu", operator: "operator_greater_than", aggregate: "aggregate_average", samplingRangeMin: 2, threshold: 60 }],
      },
      child,
    );
    new scaleway.autoscaling.InstancePolicy(
      `${name}-scale-in`,
      {
        name: `${base}-scale-in`,
        zone: args.zone,
        instanceGroupId: group.id,
        action: "scale_down",
        type: "flat_count",
        value: 1,
        priority: 2,
        metrics: [{ name: "cpu-low", managedMetric: "managed_metric_instance_cpu", operator: "operator_less_than", aggregate: "aggregate_average", samplingRangeMin: 15, threshold: 25 }],
      },
      child,
    );

    this.capacity = verdict;
    this.registryEndpoint = registry.endpoint;
    this.imageReference = imageReference;
    this.instanceGroupId = group.id;
    this.templateId = template.id;
    this.registerOutputs({
      capacity: verdict,
      registryEndpoint: this.registryEndpoint,
      imageReference: this.imageReference,
      instanceGroupId: this.instanceGroupId,
      templateId: this.templateId,
    });
  }
}
