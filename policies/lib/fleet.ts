/** Where each workload type keeps the text that names its image and its environment. */
import { T, type ContainerProps, type InstanceTemplateProps, type ServerProps } from "./types";

export const WORKLOAD_TYPES: readonly string[] = [...T.instanceTemplate, ...T.server, ...T.container];

export function isTemplate(type: string): boolean {
  return (T.instanceTemplate as readonly string[]).includes(type);
}

export function isContainer(type: string): boolean {
  return (T.container as readonly string[]).includes(type);
}

/** The cloud-init of a template or server (read through the unknown proxy: unknown = undecided). */
export function cloudInitOf(type: string, props: Record<string, unknown>): string | undefined {
  if (isTemplate(type)) return (props as Partial<InstanceTemplateProps>).cloudInit;
  const s = props as Partial<ServerProps>;
  return s.cloudInit ?? s.userData?.["cloud-init"];
}

export function containerImageOf(props: Record<string, unknown>): string | undefined {
  const c = props as Partial<ContainerProps>;
  return c.image ?? c.registryImage;
}
