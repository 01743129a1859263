/**
 * CODEOWNERS as GitHub reads it. Written by hand because the npm parsers get GitHub's rules wrong
 * (`codeowners-utils` searches the locations in the wrong order, `codeowners` counts inline comments as
 * owners) and gitignore matchers treat `docs/*` as matching nested files, which GitHub does not.
 */

/** Where GitHub looks, in order; the first file found is used. */
export const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const

/** GitHub ignores CODEOWNERS files of 3 MB or more. */
export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024

export interface CodeownersRule {
  pattern: string
  /** `@user`, `@org/team` or an e-mail address, as written. An empty list un-owns the paths. */
  owners: string[]
  line: number
  matches(path: string): boolean
}

export interface CodeownersError {
  line: number
  message: string
}

export interface ParsedCodeowners {
  rules: CodeownersRule[]
  errors: CodeownersError[]
}

const USER_OWNER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/
const TEAM_OWNER = /^@[A-Za-z0-9][\w.-]*\/[\w.-]+$/
const EMAIL_OWNER = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

export function parseCodeowners(text: string): ParsedCodeowners {
  const rules: CodeownersRule[] = []
  const errors: CodeownersError[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    // A `#` at the start of a token starts a comment; GitHub supports no escape for it.
    const content = raw.replace(/(^|\s)#.*$/, '').trim()
    if (content === '') return
    const [pattern, ...owners] = content.split(/\s+/) as [string, ...string[]]
    if (/[![\]]/.test(pattern) || pattern.startsWith('\\#')) {
      errors.push({ line, message: `unsupported pattern syntax in "${pattern}" (no !, [ ] or \\#)` })
      return
    }
    const badOwner = owners.find((owner) => !USER_OWNER.test(owner) && !TEAM_OWNER.test(owner) && !EMAIL_OWNER.test(owner))
    if (badOwner !== undefined) {
      errors.push({ line, message: `invalid owner "${badOwner}"` })
      return
    }
    const regex = patternToRegExp(pattern)
    rules.push({ pattern, owners, line, matches: (path) => regex.test(path) })
  })
  return { rules, errors }
}

/** The rule that decides `path`'s owners: the last matching line wins. */
export function findOwningRule(parsed: ParsedCodeowners, path: string): CodeownersRule | null {
  for (let i = parsed.rules.length - 1; i >= 0; i--) {
    const rule = parsed.rules[i] as CodeownersRule
    if (rule.matches(path)) return rule
  }
  return null
}

export interface OwnerSet {
  users: string[]
  /** `org/team-slug`, without the `@`. */
  teams: string[]
}

/** Splits owners into logins and teams; e-mail owners cannot be mapped to a GitHub login and are dropped. */
export function splitOwners(owners: readonly string[]): OwnerSet {
  const users: string[] = []
  const teams: string[] = []
  for (const owner of owners) {
    if (TEAM_OWNER.test(owner)) teams.push(owner.slice(1))
    else if (USER_OWNER.test(owner)) users.push(owner.slice(1))
  }
  return { users, teams }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|\\]/g, '\\$&')
}

function segmentToRegExp(segment: string): string {
  let out = ''
  for (const char of segment) {
    if (char === '*') out += '[^/]*'
    else if (char === '?') out += '[^/]'
    else out += escapeRegExp(char)
  }
  return out
}

/**
 * gitignore-style matching as GitHub applies it: a leading or inner `/` anchors the pattern at the root,
 * otherwise it matches at any depth; a trailing `/` matches only what is inside a directory; a final `*`
 * segment matches direct children only (`docs/*` does not own `docs/a/b.md`); anything else owns the path
 * itself and everything below it.
 */
function patternToRegExp(pattern: string): RegExp {
  const dirOnly = pattern.endsWith('/')
  const trimmed = pattern.replace(/^\/+/, '').replace(/\/+$/, '')
  const anchored = pattern.startsWith('/') || trimmed.includes('/')
  const segments = trimmed.split('/')
  const parts: string[] = []
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1
    if (segment === '**') parts.push(last ? '.*' : '(?:.*/)?')
    else parts.push(segmentToRegExp(segment) + (last ? '' : '/'))
  })
  const prefix = anchored ? '^' : '^(?:.*/)?'
  const lastSegment = segments[segments.length - 1]
  const suffix = lastSegment === '**' ? '$' : dirOnly ? '/.*$' : lastSegment === '*' && segments.length > 1 ? '$' : '(?:/.*)?$'
  return new RegExp(prefix + parts.join('') + suffix)
}
