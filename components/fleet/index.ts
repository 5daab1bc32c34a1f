/**
 * The app fleet: a private registry namespace, a registry-pull key, and per release one autoscaling
 * instance group (and its template) per load balancer, in that load balancer's zone, registered in its
 * backend; then a health gate that waits for the release's instances to be healthy in every backend
 * before the previous release's groups are deleted. Its size comes from the capacity model (./capacity.ts).
 *
 * Why one group per load balancer: a Scaleway autoscaling group links to exactly one load balancer (the
 * API's `loadbalancer` is one object: id, backend ids, private network), and the provider reads that
 * load balancer back in the group's own zone. Verified in scaleway-sdk-go api/autoscaling/v1alpha1
 * (`CreateInstanceGroupRequest.Loadbalancer *Loadbalancer`) and terraform-provider-scaleway v2.79.0
 * internal/services/autoscaling/types.go (`expandInstanceLoadBalancer` uses the block only when there is
 * exactly one; `flattenInstanceLoadBalancer` writes `zonal.NewIDString(<group zone>, lb.ID)`).
 * https://github.com/scaleway/terraform-provider-scaleway/blob/v2.79.0/internal/services/autoscaling/types.go
 *
 * Why a new group per release: see ./release.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { capacityTags, capacityVerdict, type CapacityInputs, type CapacityVerdict } from "./capacity";
import { plainAppEnv, renderCloudInit } from "./cloud-init";
import { FleetHealthGate, type GateTarget } from "./health-gate";
import { groupCapacity, releaseId, secretsFingerprint } from "./release";

/** A load balancer the fleet registers in: the fleet runs one instance group in its zone. */
export interface FleetLoadBalancer {
  /** Stable key (primary, secondary): names the group `<fleet>-group-<key>-<release>`. */
  key: string;
  /** The load balancer's zone; the group, its template, placement and security groups live there. */
  zone: string;
  loadBalancerId: pulumi.Input<string>;
  backendId: pulumi.Input<string>;
}

export interface FleetArgs {
  /** Region of the registry namespace and of the private network. Required. */
  region: string;
  /** Scaleway project the registry-pull key is scoped to. Required. */
  projectId: pulumi.Input<string>;
  /** Private network the instances join (their only network). Required. */
  privateNetworkId: pulumi.Input<string>;
  /** Subnet of that network: the only source allowed to the app port. Required. */
  privateSubnet: pulumi.Input<string>;
  /** The load balancers to register in, one instance group each. Required, at least one. */
  loadBalancers: FleetLoadBalancer[];
  /** Instance offer. Default "PRO2-S". */
  instanceType?: pulumi.Input<string>;
  /** Block Storage snapshot the boot volume is cloned from, per zone (snapshots are zonal). Required for every load balancer's zone. */
  bootSnapshotIds: Record<string, pulumi.Input<string>>;
  /** Boot volume size, GB. Default 20. */
  rootVolumeGb?: pulumi.Input<number>;
  /** The app image: registry namespace (created here, private), repository, digest. Required. */
  image: { namespace: string; repository: string; digest: string };
  /** Port the app listens on. Default 8080. */
  appPort?: number;
  /** The app's non-secret settings. */
  app: {
    mailFrom: string;
    /** The site's public https origin, e.g. https://www.example.fr: the links mailed (account activation) point to it. Required. */
    publicUrl: string;
    trustedProxies: string[];
    degradedMode?: boolean;
    logLevel?: string;
    /** Backstop rate limits per client per minute (derive them from the edge's with `backstopPerMinute`). Required. */
    rateLimits: { signupPerMinute: number; writesPerMinute: number };
    /** CIDRs the admin API answers from (with its token). Required, at least one. */
    adminAllowedCidrs: string[];
  };
  /**
   * PEM of the database instance's CA certificate (the Database component's `caCertificate`; not secret).
   * Each instance writes it to DATABASE_CA_PATH (/etc/renfort/database-ca.pem), the `sslrootcert` of the
   * database URL, and mounts it read-only into the app's container. Required: without it the app refuses
   * to start. A renewal changes the cloud-init, hence replaces the templates and groups.
   */
  databaseCaCertificate: pulumi.Input<string>;
  /** The app's secrets: kept secret in the cloud-init. Required. */
  secrets: { databaseUrl: pulumi.Input<string>; smtpUrl: pulumi.Input<string>; adminToken: pulumi.Input<string> };
  /**
   * Capacity model inputs. Plain numbers, not Inputs: the verdict is a plain object the plan shows and
   * the groups' min/max are derived from it at program time.
   */
  capacity: CapacityInputs;
  /**
   * The release health gate. `timeoutSeconds` (default 900): how long a release's instances may take to
   * pass the backends' health checks before `pulumi up` fails and the previous release keeps serving.
   * `apiUrl` (default https://api.scaleway.com) is only changed by tests. Set `enabled: false` only where
   * nothing serves yet and no Scaleway key is at hand. Default enabled.
   */
  healthGate?: { enabled?: boolean; timeoutSeconds?: number; apiUrl?: string };
  /** Prefix of the Scaleway-side names. Default: the component name. */
  resourceName?: string;
  /** Tags on every resource. Default []. */
  tags?: string[];
}

export class Fleet extends pulumi.ComponentResource {
  /** The capacity model's verdict (plain); its reasons name this component's arguments (`capacity.maxInstances`). */
  public readonly capacity: CapacityVerdict;
  /** `rg.<region>.scw.cloud/<namespace>`: where the deploy workflow pushes the image. */
  public readonly registryEndpoint: pulumi.Output<string>;
  /** The exact image reference the instances run (not secret: reviewers see image changes). */
  public readonly imageReference: pulumi.Output<string>;
  /** Hash of what the instances run; names the release's groups. */
  public readonly release: string;
  /** The release's instance group ids, by load balancer key. */
  public readonly instanceGroupIds: pulumi.Output<Record<string, string>>;
  /**
   * Healthy servers each backend must hold at least: its group's minimum (the capacity model's minimum
   * spread over the load balancers), what the health gate waits for and the post-deploy check asks.
   */
  public readonly minHealthyPerBackend: number;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("renfort:fleet:Fleet", name, {}, opts);
    const base = args.resourceName ?? name;
    const tags = args.tags ?? [];
    const appPort = args.appPort ?? 8080;
    const child = { parent: this };
    if (args.loadBalancers.length === 0) throw new Error("Fleet loadBalancers must list at least one load balancer to register in");
    for (const lb of args.loadBalancers) {
      if (!(lb.zone in args.bootSnapshotIds)) {
        throw new Error(`Fleet bootSnapshotIds has no snapshot for zone ${lb.zone} (load balancer ${lb.key}): Block Storage snapshots are zonal, add one for each zone`);
      }
    }

    // Its reasons name this component's arguments; the caller shows them (stacks/wiring/fleet.ts names the config keys and warns).
    const verdict = capacityVerdict(args.capacity);

    const registry = new scaleway.registry.Namespace(
      `${name}-registry`,
      { name: args.image.namespace, isPublic: false, region: args.region, description: "Renfort app images (private; the fleet pulls by digest)" },
      child,
    );
    // The endpoint is `rg.<region>.scw.cloud/<namespace>` (https://www.scaleway.com/en/docs/container-registry/):
    // written here from plain values so the release id (and the plan) know the image before the registry exists.
    const image = `rg.${args.region}.scw.cloud/${args.image.namespace}/${args.image.repository}@${args.image.digest}`;
    const plainEnv = plainAppEnv({
      appPort,
      mailFrom: args.app.mailFrom,
      publicUrl: args.app.publicUrl,
      trustedProxies: args.app.trustedProxies,
      degradedMode: args.app.degradedMode ?? false,
      poolSize: args.capacity.poolSize,
      logLevel: args.app.logLevel ?? "info",
      rateLimits: args.app.rateLimits,
      adminAllowedCidrs: args.app.adminAllowedCidrs,
    });
    const release = releaseId({ image, plainEnv });

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

    const secretEnv = pulumi.all([args.secrets.databaseUrl, args.secrets.smtpUrl, args.secrets.adminToken]).apply(([databaseUrl, smtpUrl, adminToken]) => ({
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtpUrl,
      ADMIN_TOKEN: adminToken,
    }));
    // One-way and truncated, so not secret: the template's name changes when a secret rotates.
    const secretsFp = pulumi.unsecret(secretEnv.apply(secretsFingerprint));
    const cloudInit = pulumi.secret(
      pulumi
        .all([secretEnv, pullKey.secretKey, args.databaseCaCertificate])
        .apply(([env, registryPassword, databaseCaCertificate]) => renderCloudInit({ image, appPort, plainEnv, secretEnv: env, registryPassword, databaseCaCertificate })),
    );

    const perGroup = groupCapacity({ minInstances: Math.min(verdict.minInstances, verdict.maxInstances), maxInstances: verdict.maxInstances }, args.loadBalancers.length);
    const groups = args.loadBalancers.map((lb) => {
      const zoneChild = { parent: this };
      const placement = new scaleway.instance.PlacementGroup(
        `${name}-spread-${lb.key}`,
        // max_availability puts each instance on a different hypervisor, so a host failure takes one instance.
        { name: `${base}-spread-${lb.key}`, policyType: "max_availability", zone: lb.zone, tags },
        zoneChild,
      );
      // Scaleway security groups filter an instance's public interface only (https://www.scaleway.com/en/docs/vpc/faq/:
      // "Security groups filter public traffic on your Instances"). The instances have none, so this drop-by-default
      // group is a guard should an address ever be attached; it also keeps Scaleway from creating an untracked
      // default group. Private traffic is confined by the private network itself (only our LBs, fleet and DB are on it).
      const securityGroup = new scaleway.instance.SecurityGroup(
        `${name}-sg-${lb.key}`,
        {
          name: `${base}-app-${lb.key}`,
          description: "Drop all inbound on any public interface except the app port from the private subnet",
          zone: lb.zone,
          stateful: true,
          inboundDefaultPolicy: "drop",
          outboundDefaultPolicy: "accept",
          inboundRules: [{ action: "accept", protocol: "TCP", port: appPort, ipRange: args.privateSubnet }],
          tags,
        },
        zoneChild,
      );

      const releaseTags = [...tags, "renfort-app", `renfort-release=${release}`];
      // A template per release and load balancer. `replaceOnChanges` turns the provider's in-place update
      // (which running instances never see) into a new template, created before the old one is deleted;
      // it matters for what the release id cannot see: a rotated secret changes only the cloud-init.
      const template = new scaleway.autoscaling.InstanceTemplate(
        `${name}-template-${lb.key}-${release}`,
        {
          name: pulumi.interpolate`${base}-app-${lb.key}-${release}-${secretsFp}`,
          zone: lb.zone,
          commercialType: args.instanceType ?? "PRO2-S",
          volumes: [{ name: "root", volumeType: "sbs", boot: true, fromSnapshot: { snapshotId: args.bootSnapshotIds[lb.zone], size: args.rootVolumeGb ?? 20 }, perfIops: 5000 }],
          // No public address: the instances are reached only through the load balancers on the private
          // network, and reach out only through the NAT gateway.
          publicIpsV4Count: 0,
          publicIpsV6Count: 0,
          privateNetworkIds: [args.privateNetworkId],
          placementGroupId: placement.id,
          securityGroupId: securityGroup.id,
          cloudInit,
          tags: [...releaseTags, `renfort-image=${image}`],
        },
        { ...zoneChild, replaceOnChanges: ["*"], deleteBeforeReplace: false },
      );

      const group = new scaleway.autoscaling.InstanceGroup(
        `${name}-group-${lb.key}-${release}`,
        {
          name: `${base}-app-${lb.key}-${release}`,
          zone: lb.zone,
          templateId: template.id,
          capacities: [{ minReplicas: perGroup.minReplicas, maxReplicas: perGroup.maxReplicas, cooldownDelay: 300 }],
          loadBalancers: [{ id: lb.loadBalancerId, backendIds: [lb.backendId], privateNetworkId: args.privateNetworkId }],
          deleteServersOnDestroy: true,
          tags: [...releaseTags, ...capacityTags(verdict)],
        },
        // The provider updates neither `template_id` nor the load balancer in place (release.ts): a change
        // of either is a new group, created before the old one is deleted.
        { ...zoneChild, replaceOnChanges: ["templateId", "loadBalancers"], deleteBeforeReplace: false },
      );

      // CPU is the first resource an app instance runs out of at signup load (load campaign); scale out
      // early and in slowly. The group never goes below its minimum.
      new scaleway.autoscaling.InstancePolicy(
        `${name}-scale-out-${lb.key}-${release}`,
        {
          name: `${base}-scale-out-${lb.key}`,
          zone: lb.zone,
          instanceGroupId: group.id,
          action: "scale_up",
          type: "flat_count",
          value: 2,
          priority: 1,
          metrics: [{ name: "cpu-high", managedMetric: "managed_metric_instance_cpu", operator: "operator_greater_than", aggregate: "aggregate_average", samplingRangeMin: 2, threshold: 60 }],
        },
        zoneChild,
      );
      new scaleway.autoscaling.InstancePolicy(
        `${name}-scale-in-${lb.key}-${release}`,
        {
          name: `${base}-scale-in-${lb.key}`,
          zone: lb.zone,
          instanceGroupId: group.id,
          action: "scale_down",
          type: "flat_count",
          value: 1,
          priority: 2,
          metrics: [{ name: "cpu-low", managedMetric: "managed_metric_instance_cpu", operator: "operator_less_than", aggregate: "aggregate_average", samplingRangeMin: 15, threshold: 25 }],
        },
        zoneChild,
      );
      return { lb, group };
    });

    const gate = args.healthGate?.enabled ?? true;
    if (gate) {
      const targets: pulumi.Input<GateTarget>[] = groups.map(({ lb, group }) =>
        pulumi.all([lb.loadBalancerId, lb.backendId, group.id]).apply(([loadBalancerId, backendId, instanceGroupId]) => ({
          key: lb.key,
          zone: lb.zone,
          loadBalancerId,
          backendId,
          instanceGroupId,
          minHealthy: perGroup.minReplicas,
        })),
      );
      new FleetHealthGate(
        `${name}-health-gate-${release}`,
        {
          apiUrl: args.healthGate?.apiUrl,
          region: args.region,
          privateNetworkId: args.privateNetworkId,
          release,
          targets,
          timeoutSeconds: args.healthGate?.timeoutSeconds ?? 900,
        },
        { ...child, dependsOn: groups.map((g) => g.group) },
      );
    }

    this.capacity = verdict;
    this.registryEndpoint = registry.endpoint;
    this.imageReference = pulumi.output(image);
    this.release = release;
    this.instanceGroupIds = pulumi.output(Object.fromEntries(groups.map(({ lb, group }) => [lb.key, group.id])));
    this.minHealthyPerBackend = perGroup.minReplicas;
    this.registerOutputs({
      minHealthyPerBackend: this.minHealthyPerBackend,
      capacity: verdict,
      registryEndpoint: this.registryEndpoint,
      imageReference: this.imageReference,
      release,
      instanceGroupIds: this.instanceGroupIds,
    });
  }
}
