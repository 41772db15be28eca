/** The console's private data: what the panel shows is never sent. */
export interface Project {
  id: string
  name: string
  owner: string
  tables: string[]
}

export interface Row {
  id: number
  name: string
  email: string
  plan: string
}

export const PROJECTS: Project[] = [
  { id: 'p_8f2k', name: 'Customer success', owner: 'alice@example.com', tables: ['customers', 'tickets'] },
  { id: 'p_3jq9', name: 'Payroll 2026', owner: 'bob@example.com', tables: ['salaries', 'employees'] },
  { id: 'p_x7mm', name: 'Secret merger', owner: 'carol@example.com', tables: ['targets'] },
]

const PEOPLE = ['Alice Martin', 'Bob Okafor', 'Chen Wei', 'Dana Ivanova', 'Emil Johansson', 'Fatima Zahra']

/** Rows of a table, made up from its name. */
export const rowsOf = (table: string): Row[] =>
  PEOPLE.map((name, i) => ({
    id: i + 1,
    name,
    email: `${name.split(' ')[0].toLowerCase()}.${table}@example.com`,
    plan: ['free', 'team', 'enterprise'][(i + table.length) % 3],
  }))
