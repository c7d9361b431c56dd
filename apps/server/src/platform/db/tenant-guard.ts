import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SchemableIdentifierNode,
  type UnknownRow,
} from 'kysely';

export class CrossTenantQueryError extends Error {
  constructor() {
    super('a tenant handle tried to reach outside its own schema');
    this.name = 'CrossTenantQueryError';
  }
}

/**
 * The second wall between clinics. The tenant handle already qualifies every table with the
 * tenant's schema; this plugin then refuses any query in which a table is qualified with
 * another schema, so a coding mistake (`.withSchema(…)` on a tenant handle, a table named with
 * its schema) fails instead of reading another clinic's rows.
 */
export class TenantGuardPlugin implements KyselyPlugin {
  private readonly checker: SchemaChecker;

  constructor(schema: string) {
    this.checker = new SchemaChecker(schema);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.checker.transformNode(args.node, args.queryId);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

class SchemaChecker extends OperationNodeTransformer {
  constructor(private readonly schema: string) {
    super();
  }

  protected override transformSchemableIdentifier(
    node: SchemableIdentifierNode,
    queryId: PluginTransformQueryArgs['queryId'],
  ): SchemableIdentifierNode {
    if (node.schema !== undefined && node.schema.name !== this.schema)
      throw new CrossTenantQueryError();
    return super.transformSchemableIdentifier(node, queryId);
  }
}
