import { describe, expect, it } from 'vitest'
import { findOwningRule, parseCodeowners, splitOwners } from '../../src/gate/codeowners.js'

// GitHub's example file from "About code owners", with the docs' own statements about what each line owns.
const githubExample = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well. Teams should
# be identified in the format @org/team-name. Teams must have
# explicit write access to the repository. In this example,
# the octocats team in the octo-org organization owns all .txt files.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like
# \`docs/getting-started.md\` but not further nested files like
# \`docs/build-app/troubleshooting.md\`.
docs/* docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the \`/docs\`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the \`/scripts\` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a \`/logs\` directory such as
# \`/build/logs\`, \`/scripts/logs\`, and \`/deeply/nested/logs\`. Any changes
# in a \`/logs\` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as its owners are left empty.
/apps/ @octocat
/apps/github
`

function ownersOf(text: string, path: string): string[] | null {
  return findOwningRule(parseCodeowners(text), path)?.owners ?? null
}

describe('parseCodeowners on GitHub\'s example file', () => {
  const cases: Array<{ name: string; path: string; owners: string[] }> = [
    { name: 'default owners for everything', path: 'README.md', owners: ['@global-owner1', '@global-owner2'] },
    { name: 'inline comment is not an owner', path: 'src/index.js', owners: ['@js-owner'] },
    { name: 'e-mail owner', path: 'cmd/main.go', owners: ['docs@example.com'] },
    { name: 'team owner', path: 'notes/a.txt', owners: ['@octo-org/octocats'] },
    { name: 'anchored directory and subdirectories', path: 'build/logs/2024/x.log', owners: ['@octocat'] },
    { name: 'docs/* owns direct children (later /docs/ wins)', path: 'docs/getting-started.md', owners: ['@doctocat'] },
    { name: 'apps/ anywhere', path: 'web/apps/main.ts', owners: ['@octocat'] },
    { name: '/scripts/ two owners', path: 'scripts/deploy.sh', owners: ['@doctocat', '@octocat'] },
    { name: '**/logs at any depth', path: 'deeply/nested/logs/out.txt', owners: ['@octocat'] },
    { name: 'empty owner list un-owns', path: 'apps/github/x.ts', owners: [] },
    { name: '/apps/ at the root', path: 'apps/web/x.ts', owners: ['@octocat'] },
  ]
  for (const c of cases) {
    it(c.name, () => expect(ownersOf(githubExample, c.path)).toEqual(c.owners))
  }

  it('docs/* does not own nested files', () => {
    const text = '* @everyone\ndocs/* @docs-team\n'
    expect(ownersOf(text, 'docs/getting-started.md')).toEqual(['@docs-team'])
    expect(ownersOf(text, 'docs/build-app/troubleshooting.md')).toEqual(['@everyone'])
  })

  it('reports no errors for the valid example', () => expect(parseCodeowners(githubExample).errors).toEqual([]))
})

describe('parseCodeowners rules', () => {
  it('the last matching line wins, not the most specific one', () => {
    expect(ownersOf('/drizzle/ @acme/dba\n*.sql @alice\n', 'drizzle/0001_x.sql')).toEqual(['@alice'])
    expect(ownersOf('*.sql @alice\n/drizzle/ @acme/dba\n', 'drizzle/0001_x.sql')).toEqual(['@acme/dba'])
  })

  it('matching is case-sensitive', () => expect(ownersOf('/Drizzle/ @a\n', 'drizzle/x.sql')).toBeNull())

  it('a pattern without a slash matches a file or directory at any depth', () => {
    expect(ownersOf('migrations @a\n', 'db/migrations/1.sql')).toEqual(['@a'])
    expect(ownersOf('migrations @a\n', 'db/migrations')).toEqual(['@a'])
    expect(ownersOf('migrations @a\n', 'db/migrations2/1.sql')).toBeNull()
  })

  it('an inner slash anchors the pattern at the root', () => {
    expect(ownersOf('db/migrations @a\n', 'db/migrations/1.sql')).toEqual(['@a'])
    expect(ownersOf('db/migrations @a\n', 'x/db/migrations/1.sql')).toBeNull()
  })

  it('reports unsupported syntax and invalid owners with their line, and keeps the other lines', () => {
    const parsed = parseCodeowners('*.sql @a\n!drizzle/ @b\nsrc/[ab].ts @c\n/x/ not-an-owner\n')
    expect(parsed.errors).toEqual([
      { line: 2, message: 'unsupported pattern syntax in "!drizzle/" (no !, [ ] or \\#)' },
      { line: 3, message: 'unsupported pattern syntax in "src/[ab].ts" (no !, [ ] or \\#)' },
      { line: 4, message: 'invalid owner "not-an-owner"' },
    ])
    expect(parsed.rules.map((r) => r.pattern)).toEqual(['*.sql'])
  })

  it('splits owners into users and teams and drops e-mail owners', () => {
    expect(splitOwners(['@alice', '@acme/dba', 'dba@acme.test'])).toEqual({ users: ['alice'], teams: ['acme/dba'] })
  })
})
