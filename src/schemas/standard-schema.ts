/**
 * The part of the Standard Schema interface (https://standardschema.dev, version 1) that Annals
 * uses: zod, Valibot, ArkType and others implement it, so an event type's schema can come from
 * any of them without Annals depending on one.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The schema's Standard Schema properties. */
  readonly '~standard': {
    /** The version of the Standard Schema interface: 1. */
    readonly version: 1;
    /** The library that made the schema, e.g. `'zod'`. */
    readonly vendor: string;
    /** Checks a value: the value it produces, or the issues found. */
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    /** The input and output types, for type inference only (no value at run time). */
    readonly types?:
      | {
          /** The type the schema accepts. */
          readonly input: Input;
          /** The type the schema produces. */
          readonly output: Output;
        }
      | undefined;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] };

export interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The type a schema produces. */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return typeof standard === 'object' && standard !== null && standard.version === 1 && typeof standard.validate === 'function';
}

/** An issue's path as Annals names fields: `data.items[2].sku`. */
export function issuePath(root: string, issue: StandardIssue): string {
  let path = root;
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' ? segment.key : segment;
    path += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return path;
}

/** One mismatch a schema found, with the field named from `root`. */
export interface SchemaIssue {
  /** Where in the event, e.g. `data.items[2].sku`. */
  readonly field: string;
  /** The schema's words. */
  readonly message: string;
}

/** Runs a schema (synchronous or not) on a value: what it returns, or its issues. */
export async function validateWith(
  schema: StandardSchemaV1,
  value: unknown,
  root: string,
): Promise<{ readonly value: unknown; readonly issues?: undefined } | { readonly issues: readonly SchemaIssue[] }> {
  const pending = schema['~standard'].validate(value);
  const result = pending instanceof Promise ? await pending : pending;
  if (!result.issues) return { value: result.value };
  const issues = result.issues.map((issue) => ({ field: issuePath(root, issue), message: issue.message }));
  return { issues: issues.length > 0 ? issues : [{ field: root, message: 'refused by the schema' }] };
}
