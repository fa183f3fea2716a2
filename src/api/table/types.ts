// meta.k8s.io/v1 Table shapes.

export interface TableColumnDefinition {
  name: string;
  /** an OpenAPI type: string, integer, number, boolean, date */
  type: string;
  /** an OpenAPI format; "name" marks the column holding the object's name */
  format: string;
  description: string;
  /** 0 for the default view; 1 and up only with `-o wide` */
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: Record<string, unknown>;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** apiextensions.k8s.io/v1 CustomResourceColumnDefinition */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}
